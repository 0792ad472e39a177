// Gathers what the moderation pipeline judges a comment on (ModerationContext), before the write's
// transaction: at most one statement on the content shard and one on the forums database, run
// side by side, each holding only the parts an enabled phase needs (sql/moderation-facts.ts).
// Facts that cost nothing (the text, its links, the account's age, what the widget reported) come
// from the request.
import { linksOf, moderationFactsSql, type ContentRoute } from '@parley/data';

type AuthorFactsNeed = moderationFactsSql.AuthorFactsNeed;
import { minRepeatedTextLength, publishedStatuses, type Ban, type ModerationContext, type ModerationSettings } from '@parley/domain';
import type { Services } from '../services.ts';

/** The author's comments in other threads that the repeated-text check compares with: the last 24 h, at most 20. */
export const recentTextsWindowSeconds = 24 * 3600;
export const recentTextsLimit = 20;
/** The approved count looks at the author's latest 1000 comments in the forum at most (thresholds go up to 1000). */
export const approvedHistoryLimit = 1000;

export interface FactsRequest {
  forumId: string;
  threadId: string;
  settings: ModerationSettings;
  text: string;
  html: string;
  author: { userId: string | null; email: string | null; ip: string | null };
  accountCreatedAt: Date | null;
  /** what only the widget knows (absent from API clients) */
  client?: { loadedMs?: number; hp?: string };
  /** an edit: the thread's state and the guest's first comment are not asked about (the comment exists) */
  edit?: boolean;
}

/** Which author facts the enabled phases need. The links phase asks who is new even with the newCommenter phase off. */
export function authorFactsNeed(r: FactsRequest, links: readonly string[]): AuthorFactsNeed {
  const s = r.settings;
  const newCommenterAsked = s.newCommenter.enabled || (s.links.enabled && s.links.newCommenterLinks !== 'allow' && links.length > 0);
  const guestEmail = r.author.userId === null && r.author.email !== null;
  const repeatAsked = s.spamHeuristics.enabled && s.spamHeuristics.repeatedTextCount > 0 && r.text.trim().length >= minRepeatedTextLength;
  return {
    approvedCap: newCommenterAsked ? s.newCommenter.minApprovedComments : 0,
    guestSeen: newCommenterAsked && s.newCommenter.holdFirstGuestEmail && guestEmail && !r.edit,
    recentLimit: repeatAsked ? recentTextsLimit : 0,
  };
}

/** What a comment's facts take: its links, the author parts the phases ask, whether the content shard and the bans are asked. */
export interface FactsPlan {
  links: string[];
  need: AuthorFactsNeed;
  /** the user id or lower-cased email the author parts are read by (null: an anonymous guest) */
  authorKey: string | null;
  asksContent: boolean;
  asksBans: boolean;
}

export function planFacts(r: FactsRequest): FactsPlan {
  const links = linksOf(r.html);
  const need = authorFactsNeed(r, links);
  const authorKey = r.author.userId ?? r.author.email?.toLowerCase() ?? null;
  const asksContent = authorKey !== null && (need.approvedCap > 0 || need.guestSeen || need.recentLimit > 0);
  return { links, need, authorKey, asksContent, asksBans: r.settings.bans.enabled };
}

/** Whether the forums database (the bans) is the content route's own: then one statement reads both. */
export const bansBeside = (s: Services, route: ContentRoute): boolean => s.db.primaryUrl({ area: 'forums' }) === s.db.primaryUrl(route);

/** Facts read before the write's transaction (an edit; a comment Akismet is asked about). */
export async function gatherFacts(s: Services, r: FactsRequest): Promise<ModerationContext> {
  const plan = planFacts(r);
  const route = plan.asksContent ? await s.read.locator.threadRoute(r.threadId) : undefined;
  // one database holds both the forums and this shard (the one-machine default): one statement
  const together = route !== undefined && plan.asksBans && bansBeside(s, route);
  const [content, separateBans] = await Promise.all([
    route ? contentFacts(s, r, route, plan, together) : undefined,
    plan.asksBans && !together ? bansOf(s, r) : [],
  ]);
  return contextOf(r, plan, content, together ? bansFromRows(content!.bans ?? []) : separateBans);
}

/** The pipeline's context from the request, the content shard's row (absent: not asked) and the bans. */
export function contextOf(r: FactsRequest, plan: FactsPlan, content: ContentFactsRow | undefined, bans: Ban[]): ModerationContext {
  const now = new Date();
  return {
    now,
    text: r.text,
    links: plan.links,
    author: r.author,
    accountAgeMs: r.accountCreatedAt === null ? null : now.getTime() - r.accountCreatedAt.getTime(),
    approvedCount: content?.approved_count ?? 0,
    // the insert statement refuses a closed thread whatever this says; the phase names the reason
    threadClosed: !r.edit && content?.thread_status === 'closed',
    firstGuestEmailComment: plan.need.guestSeen && content?.guest_seen === false,
    msSinceWidgetLoad: r.client?.loadedMs ?? null,
    honeypot: r.client?.hp ?? null,
    recentTexts: content?.recent_texts ?? [],
    bans,
  };
}

/** The facts' values for `authorFacts` and, after the placement's own, `placePostJudged` (which shares $1 and $2). */
export function factsValues(r: FactsRequest, plan: FactsPlan, withBans: boolean): unknown[] {
  return moderationFactsSql.authorFactsValues({
    threadId: r.threadId,
    forumId: r.forumId,
    author: plan.authorKey ?? '',
    need: plan.need,
    countedStatuses: publishedStatuses,
    windowSeconds: recentTextsWindowSeconds,
    historyLimit: approvedHistoryLimit,
    ...(withBans ? { bans: banKeys(r) } : {}),
  });
}

export interface ContentFactsRow {
  thread_status: string | null;
  approved_count: number | null;
  guest_seen: boolean | null;
  recent_texts: string[] | null;
  /** with the bans: json rows (expires_at as text) */
  bans?: Record<string, unknown>[];
}

async function contentFacts(s: Services, r: FactsRequest, route: ContentRoute, plan: FactsPlan, withBans: boolean): Promise<ContentFactsRow> {
  const statement = moderationFactsSql.authorFacts(r.author.userId !== null ? 'user' : 'guest', withBans);
  const { rows } = await s.db.exec<ContentFactsRow & Record<string, unknown>>({ ...route, mode: 'read' }, statement, factsValues(r, plan, withBans));
  return rows[0];
}

const banKeys = (r: FactsRequest) => ({ userId: r.author.userId, email: r.author.email?.toLowerCase() ?? null, ip: r.author.ip });

export async function bansOf(s: Services, r: FactsRequest): Promise<Ban[]> {
  const k = banKeys(r);
  const { rows } = await s.db.exec({ area: 'forums', mode: 'read' }, moderationFactsSql.bansOfAuthor, [r.forumId, k.userId, k.email, k.ip]);
  return bansFromRows(rows);
}

/** Ban rows as the bans phase takes them; from the bans query or the json of the combined one. */
export function bansFromRows(rows: Record<string, unknown>[]): Ban[] {
  return rows.map((b) => {
    const expires = b.expires_at as Date | string | null;
    const ban: Ban = {
      kind: b.kind as Ban['kind'],
      value: b.value as string,
      expiresAt: expires === null ? null : new Date(expires),
      reason: b.reason as string,
      mode: b.mode as Ban['mode'],
    };
    return ban;
  });
}
