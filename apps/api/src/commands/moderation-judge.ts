// A new comment's or an edit's verdict: the forum's rules (the pure pipeline, on facts gathered
// by moderation-facts.ts), then Akismet when the forum asks for it and the rules let the comment
// through, then forum-wide pre-moderation. An edit, and a comment Akismet is asked about, are
// judged before the write's transaction; another new comment's facts are read by its insert and
// judged in the transaction (`judgeNewComment`). A rejection throws its 4xx, and nothing is
// written (or the transaction rolls back). Moderators' own comments are not judged.
import { postSql, type ContentRoute } from '@parley/data';
import { canonicalAddress, ParleyError, renderMessage, runPipeline, type Ban, type Forum, type ModerationContext, type PostStatus, type Reason } from '@parley/domain';
import { akismetConfigured, askAkismet } from '../akismet.ts';
import type { Services } from '../services.ts';
import { bansBeside, bansFromRows, bansOf, contextOf, factsValues, gatherFacts, planFacts, type ContentFactsRow, type FactsPlan, type FactsRequest } from './moderation-facts.ts';

/** Where a write came from: the client address (req.ip: X-Forwarded-For only with PARLEY_TRUST_PROXY) and its user agent. */
export interface WriteClient {
  ip?: string;
  userAgent?: string;
}

/** An address Postgres' inet and the ban checks take (IPv4-mapped ones as IPv4), or null (a proxy may forward anything). */
export const clientAddress = (c: WriteClient | undefined): string | null => canonicalAddress(c?.ip);

export interface Verdict {
  status: Exclude<PostStatus, 'deleted'>;
  reasons: Reason[];
  /** the text to store (masked words replaced) and its rendering */
  message: string;
  html: string;
}

export interface JudgeRequest extends Omit<FactsRequest, 'settings' | 'forumId' | 'author'> {
  forum: Forum;
  author: { userId: string | null; name: string; email: string | null };
  writeClient?: WriteClient;
}

const preModerationReason: Reason = { phase: 'preModeration', code: 'pre_moderation', detail: 'the forum holds every new comment for a moderator' };

/** A comment or an edit judged before the write's transaction: facts read first, then Akismet when the forum asks. */
export async function judgeComment(s: Services, r: JudgeRequest): Promise<Verdict> {
  const ip = clientAddress(r.writeClient);
  const ctx = await gatherFacts(s, factsRequest(r, ip));
  const verdict = applyRules(ctx, r);
  // the outside check only for comments the rules would publish or hold: spam is spam already,
  // and a shadow-banned author's comment is seen by nobody else
  if (asksAkismet(s, r) && (verdict.status === 'approved' || verdict.status === 'pending')) {
    const answer = await askAkismet(s.config, {
      siteUrl: r.forum.settings.allowedOrigins[0] ?? s.config.publicUrl,
      text: verdict.message,
      author: { name: r.author.name, email: r.author.email, ip, userAgent: r.writeClient?.userAgent },
    });
    if (answer.verdict !== 'ham') verdict.reasons.push(answer.reason);
    if (answer.verdict === 'spam') verdict.status = 'spam';
    if (answer.verdict === 'unavailable') verdict.status = 'pending';
  }
  return withPreModeration(verdict, r);
}

/**
 * A new comment's judging, by the cheapest way its facts allow (ADR 0015, decision 2):
 *   - no fact from a database asked (every such phase off): the verdict now, before the transaction;
 *   - Akismet asked: the facts and Akismet before the transaction (an outside call never runs in one);
 *   - otherwise the statement that places the comment reads the facts too (`InsertJudge`), the
 *     verdict is reached in the transaction on its row, and the comment is written as judged with
 *     its event in one statement: the same number of statements as a comment no rule judges.
 */
export async function judgeNewComment(s: Services, r: JudgeRequest): Promise<Verdict | InsertJudge> {
  if (asksAkismet(s, r)) return judgeComment(s, r);
  const facts = factsRequest(r, clientAddress(r.writeClient));
  const plan = planFacts(facts);
  if (!plan.asksContent && !plan.asksBans) return withPreModeration(applyRules(contextOf(facts, plan, undefined, []), r), r);
  // the bans live on the forums database; where that is not the thread's shard, they are read first
  const apart = plan.asksBans && !bansBeside(s, await s.read.locator.threadRoute(r.threadId));
  return new InsertJudge(s, r, facts, plan, apart ? await bansOf(s, facts) : undefined);
}

/** Judging a new comment on the facts its placement reads (posts.ts `placePostJudged`), in its transaction. */
export class InsertJudge {
  private readonly s: Services;
  private readonly r: JudgeRequest;
  private readonly facts: FactsRequest;
  private readonly plan: FactsPlan;
  /** read before the transaction: the forums database is not the thread's */
  private readonly bans: Ban[] | undefined;
  /** read just before it: the forum moved apart from the forums database since */
  private movedBans: Ban[] | undefined;

  constructor(s: Services, r: JudgeRequest, facts: FactsRequest, plan: FactsPlan, bans: Ban[] | undefined) {
    this.s = s;
    this.r = r;
    this.facts = facts;
    this.plan = plan;
    this.bans = bans;
  }

  /** The placement statement for this route and the facts' values that follow the placement's own. */
  async placeOn(route: ContentRoute): Promise<{ statement: { name: string; text: string }; factValues: unknown[] }> {
    const beside = this.plan.asksBans && this.bans === undefined && bansBeside(this.s, route);
    if (this.plan.asksBans && this.bans === undefined && !beside) this.movedBans ??= await bansOf(this.s, this.facts);
    const kind = this.facts.author.userId !== null ? 'user' : 'guest';
    return { statement: postSql.placePostJudged(kind, beside), factValues: factsValues(this.facts, this.plan, beside).slice(2) };
  }

  /** The verdict on the placement's row (with the facts' columns); a rejection throws its 4xx, and the transaction rolls back. */
  verdict(row: Record<string, unknown>): Verdict {
    const content = row as unknown as ContentFactsRow;
    const bans = this.bans ?? this.movedBans ?? bansFromRows(content.bans ?? []);
    return withPreModeration(applyRules(contextOf(this.facts, this.plan, content, bans), this.r), this.r);
  }
}

const asksAkismet = (s: Services, r: JudgeRequest): boolean => r.forum.settings.moderation.akismet.enabled && akismetConfigured(s.config);

const factsRequest = (r: JudgeRequest, ip: string | null): FactsRequest => ({
  ...r,
  forumId: r.forum.id,
  settings: r.forum.settings.moderation,
  author: { userId: r.author.userId, email: r.author.email, ip },
});

/** The pure pipeline's outcome as a verdict: a rejection throws its 4xx; masked words change the text. */
function applyRules(ctx: ModerationContext, r: JudgeRequest): Verdict {
  const outcome = runPipeline(ctx, r.forum.settings.moderation);
  if (outcome.status === 'rejected') throw new ParleyError(outcome.rejectCode!);
  const message = outcome.maskedText ?? r.text;
  const html = outcome.maskedText === undefined ? r.html : renderMessage(outcome.maskedText);
  return { status: outcome.status, reasons: [...outcome.reasons], message, html };
}

/** Forum-wide pre-moderation holds what the rules would publish (a new comment, not an edit). */
function withPreModeration(v: Verdict, r: JudgeRequest): Verdict {
  if (v.status !== 'approved' || !r.forum.settings.preModeration || r.edit) return v;
  return { ...v, status: 'pending', reasons: [...v.reasons, preModerationReason] };
}
