// The backtest's pure part: a forum's past comments replayed, in log order, through a proposed rule
// set. Each comment's facts are rebuilt as they were when it was written, from the events read
// before it (approved comments so far, guest emails seen, the author's recent texts elsewhere,
// closed threads), so the replay needs one pass and memory per author, never per comment. No I/O:
// the scan (run.ts) feeds it decoded events and the facts only a database knows (account ages).
import { minRepeatedTextLength, normaliseForRepeat, runPipeline, type Ban, type ModerationContext, type ModerationSettings, type PostRecord, type Reason } from '@parley/domain';

/** What the proposed rules would have done: the pipeline's status, `pending` named for what it means (shadowed needs a shadow ban given). */
export type Verdict = 'approved' | 'held' | 'spam' | 'shadowed' | 'rejected';
export const verdicts: readonly Verdict[] = ['approved', 'held', 'spam', 'shadowed', 'rejected'];

/** A comment as the log wrote it, with the facts the log does not carry. */
export interface PastComment {
  post: PostRecord;
  at: Date;
  /** the guest's email (kept on the post row, never in events); null for an account or a guest without one */
  authorEmail: string | null;
  /** when the author's account was created; null for a guest, or an account gone since */
  accountCreatedAt: Date | null;
}

export interface ReplayOptions {
  settings: ModerationSettings;
  /** the log holds no bans: none unless the caller gives some */
  bans?: readonly Ban[];
  /** how far back an author's texts count as recent (default a day) */
  recentWindowMs?: number;
  /** an author's latest comments looked at for recent texts (default 20, as the write path) */
  recentKept?: number;
}

interface RecentText {
  threadId: string;
  /** normalised as the repeated-text check compares texts */
  text: string;
  at: number;
}

const dayMs = 24 * 60 * 60 * 1000;

/** Whose history a comment adds to: an account, or a guest's email (any case); null for an anonymous guest. */
export function authorKey(post: Pick<PostRecord, 'authorUserId'>, email: string | null): string | null {
  if (post.authorUserId !== null) return `u:${post.authorUserId}`;
  return email ? `e:${email.toLowerCase()}` : null;
}

const entities: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&lt;': '<', '&gt;': '>', '&#39;': "'", '&#x27;': "'" };

/** The hrefs of the rendered comment's links (the sanitizer writes every attribute in double quotes). */
export function linksOf(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) out.push(m[1].replace(/&(?:amp|quot|lt|gt|#39|#x27);/g, (e) => entities[e]));
  return out;
}

export class Replay {
  private readonly approved = new Map<string, number>();
  private readonly guestEmails = new Set<string>();
  private readonly closedThreads = new Set<string>();
  private readonly recent = new Map<string, RecentText[]>();
  private readonly settings: ModerationSettings;
  private readonly bans: readonly Ban[];
  private readonly windowMs: number;
  private readonly kept: number;
  private readonly masks: boolean;
  /** the repeated-text check is on: the authors' recent texts are kept */
  private readonly repeats: boolean;

  constructor(o: ReplayOptions) {
    this.settings = o.settings;
    this.bans = o.bans ?? [];
    this.windowMs = o.recentWindowMs ?? dayMs;
    this.kept = o.recentKept ?? 20;
    this.repeats = o.settings.spamHeuristics.enabled && o.settings.spamHeuristics.repeatedTextCount > 0;
    this.masks = o.settings.blocklist.enabled && o.settings.blocklist.entries.some((e) => e.action === 'mask');
  }

  /** The comment's verdict under the proposed rules; then the comment joins the history as it actually went. */
  comment(c: PastComment): { verdict: Verdict; reasons: Reason[] } {
    const text = this.repeats ? normaliseForRepeat(c.post.message) : '';
    const outcome = runPipeline(this.contextOf(c, text), this.settings);
    // the history keeps the text as these rules would have stored it (masked words masked)
    this.remember(c, outcome.maskedText === undefined || !this.repeats ? text : normaliseForRepeat(outcome.maskedText));
    return { verdict: outcome.status === 'pending' ? 'held' : outcome.status, reasons: outcome.reasons };
  }

  /** A comment that skips the rules (written with the forum's key): it joins the history unjudged. */
  witness(c: PastComment): void {
    this.remember(c, this.repeats ? normaliseForRepeat(c.post.message) : '');
  }

  /** A later status change of a post (approved, held, deleted, ...): the author's approved count follows it. */
  statusChanged(post: PostRecord, email: string | null): void {
    const key = authorKey(post, email);
    const delta = (post.status === 'approved' ? 1 : 0) - (post.prevStatus === 'approved' ? 1 : 0);
    if (key !== null && delta !== 0) this.approved.set(key, Math.max(0, (this.approved.get(key) ?? 0) + delta));
  }

  /** A thread closed or opened again (when the log records it). */
  threadStatus(threadId: string, closed: boolean): void {
    if (closed) this.closedThreads.add(threadId);
    else this.closedThreads.delete(threadId);
  }

  /** Forgets texts older than the window at `now`, so memory follows the recent comments only. */
  prune(now: Date): void {
    const oldest = now.getTime() - this.windowMs;
    for (const [key, texts] of this.recent) {
      const fresh = texts.filter((t) => t.at >= oldest);
      if (fresh.length === 0) this.recent.delete(key);
      else if (fresh.length !== texts.length) this.recent.set(key, fresh);
    }
  }

  private contextOf(c: PastComment, text: string): ModerationContext {
    const { post } = c;
    const key = authorKey(post, c.authorEmail);
    const recentTexts = this.sameRecentTexts(key, c, text);
    const guestEmail = post.authorUserId === null && c.authorEmail ? c.authorEmail.toLowerCase() : null;
    return {
      now: c.at,
      text: post.message,
      links: linksOf(post.html),
      author: { userId: post.authorUserId, email: c.authorEmail, ip: null },
      accountAgeMs: c.accountCreatedAt === null ? null : c.at.getTime() - c.accountCreatedAt.getTime(),
      approvedCount: key === null ? 0 : (this.approved.get(key) ?? 0),
      firstGuestEmailComment: guestEmail !== null && !this.guestEmails.has(guestEmail),
      threadClosed: this.closedThreads.has(post.threadId),
      // the log does not keep what the widget reported: these checks cannot judge the past
      msSinceWidgetLoad: null,
      honeypot: null,
      recentTexts,
      bans: this.bans,
    };
  }

  /**
   * The author's recent texts in other threads that the repeated-text check would count as copies of
   * this one: only those (already normalised; normalising is idempotent) are handed to the pipeline,
   * which then finds what it would have found among all of them, without normalising each again.
   */
  private sameRecentTexts(key: string | null, c: PastComment, text: string): string[] {
    const mine = key === null || !this.repeats ? undefined : this.recent.get(key);
    if (!mine || (text.length < minRepeatedTextLength && !this.masks)) return [];
    const oldest = c.at.getTime() - this.windowMs;
    const out: string[] = [];
    // a masking rule changes the text the check sees: then it gets them all, to compare itself
    for (const t of mine) if (t.threadId !== c.post.threadId && t.at >= oldest && (this.masks || t.text === text)) out.push(t.text);
    return out;
  }

  /** `text`: normalised as the repeated-text check compares (empty when that check is off: nothing kept). */
  private remember(c: PastComment, text: string): void {
    const { post } = c;
    const key = authorKey(post, c.authorEmail);
    if (post.authorUserId === null && c.authorEmail) this.guestEmails.add(c.authorEmail.toLowerCase());
    if (key === null) return;
    if (post.status === 'approved') this.approved.set(key, (this.approved.get(key) ?? 0) + 1);
    if (!this.repeats) return;
    const texts = this.recent.get(key);
    const entry = { threadId: post.threadId, text, at: c.at.getTime() };
    if (!texts) return void this.recent.set(key, [entry]);
    texts.push(entry);
    if (texts.length > this.kept) texts.shift();
  }
}
