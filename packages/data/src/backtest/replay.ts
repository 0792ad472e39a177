// The backtest's pure part: a forum's past comments replayed, in log order, through a proposed rule
// set. Each comment's facts are rebuilt as they were when it was written, from the events read
// before it (approved comments so far, guest emails seen, the author's recent texts elsewhere,
// closed threads), so the replay needs one pass and memory per author, never per comment. No I/O:
// the scan (run.ts) feeds it decoded events and the facts only a database knows (account ages).
import { runPipeline, type Ban, type ModerationContext, type ModerationSettings, type PostRecord, type Reason } from '@parley/domain';

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
  /** an author's recent texts kept at most (default 10) */
  recentKept?: number;
}

interface RecentText {
  threadId: string;
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

  constructor(o: ReplayOptions) {
    this.settings = o.settings;
    this.bans = o.bans ?? [];
    this.windowMs = o.recentWindowMs ?? dayMs;
    this.kept = o.recentKept ?? 10;
  }

  /** The comment's verdict under the proposed rules; then the comment joins the history as it actually went. */
  comment(c: PastComment): { verdict: Verdict; reasons: Reason[] } {
    const outcome = runPipeline(this.contextOf(c), this.settings);
    this.remember(c);
    return { verdict: outcome.status === 'pending' ? 'held' : outcome.status, reasons: outcome.reasons };
  }

  /** A comment that skips the rules (written with the forum's key): it joins the history unjudged. */
  witness(c: PastComment): void {
    this.remember(c);
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

  private contextOf(c: PastComment): ModerationContext {
    const { post } = c;
    const key = authorKey(post, c.authorEmail);
    const oldest = c.at.getTime() - this.windowMs;
    const recentTexts: string[] = [];
    const mine = key === null ? undefined : this.recent.get(key);
    if (mine) for (let i = mine.length - 1; i >= 0; i--) if (mine[i].threadId !== post.threadId && mine[i].at >= oldest) recentTexts.push(mine[i].text);
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

  private remember(c: PastComment): void {
    const { post } = c;
    const key = authorKey(post, c.authorEmail);
    if (post.authorUserId === null && c.authorEmail) this.guestEmails.add(c.authorEmail.toLowerCase());
    if (key === null) return;
    if (post.status === 'approved') this.approved.set(key, (this.approved.get(key) ?? 0) + 1);
    const texts = this.recent.get(key) ?? [];
    texts.push({ threadId: post.threadId, text: post.message, at: c.at.getTime() });
    if (texts.length > this.kept) texts.shift();
    this.recent.set(key, texts);
  }
}
