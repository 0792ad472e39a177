// A rules backtest over a forum's event log: the I/O edge around the pure replay. The log is read in
// key ranges on the forum's content shard (the next page is asked for while this one is judged), and
// per page two batched lookups fill in what the log lacks: each post's later status events (its
// fate) and the authors' account ages. Memory stays one page plus per-author history. Progress is
// reported per page; an AbortSignal stops the run between pages.
import { statusEventTypes, type Ban, type Forum, type ModerationSettings, type PostRecord } from '@parley/domain';
import { decodeSnapshot } from '../codec.ts';
import type { Database } from '../db.ts';
import * as backtestSql from '../sql/backtest.ts';
import { Replay, type PastComment } from './replay.ts';
import { fateOf, laterStatusEventTypes, Tally, type TallyResult } from './tally.ts';

export interface BacktestProgress {
  type: 'progress';
  /** comments judged so far */
  comments: number;
  /** events read so far */
  events: number;
  elapsedMs: number;
  perSecond: number;
}

export interface BacktestResult extends TallyResult {
  type: 'result';
  forum: string;
  /** the rule set replayed, in full */
  rules: ModerationSettings;
  /** comments not judged: by the forum's key, its owners and moderators, or the admin (they skip the rules), or with a snapshot no reader understands */
  skipped: { byModerator: number; unreadable: number };
  /** the run stopped at maxComments: later comments were not judged */
  truncated: boolean;
  maxComments: number;
  events: number;
  elapsedMs: number;
  perSecond: number;
  /** what the replay could not know about the past, and what it assumed */
  assumptions: string[];
}

export interface BacktestOptions {
  forum: Pick<Forum, 'id' | 'slug' | 'shard'>;
  settings: ModerationSettings;
  /** the log keeps no bans: none unless given */
  bans?: readonly Ban[];
  /** comments judged at most (the run reports `truncated` past it) */
  maxComments: number;
  /** events per page (default 2,000) */
  pageSize?: number;
  /** examples kept of false positives and of misses (default 20 each) */
  sampleSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: BacktestProgress) => void;
}

export class BacktestCancelled extends Error {
  readonly comments: number;

  constructor(comments: number) {
    super(`backtest cancelled after ${comments} comments`);
    this.name = 'BacktestCancelled';
    this.comments = comments;
  }
}

// thread status events, should the log ever hold them; until then a comment's thread was open (a
// closed thread refuses comments, so every comment in the log was written while it was open)
const threadEvents: Record<string, boolean> = { ThreadClosed: true, ThreadOpened: false };
const scannedTypes = [...statusEventTypes, ...Object.keys(threadEvents)];
const byModerator = (actor: string): boolean => actor === 'admin' || actor.startsWith('moderator:');
// as the write path reads them (apps/api/src/commands/moderation-facts.ts): the author's last 20 comments, other threads within a day
const recentKept = 20;

interface Page {
  decoded: { row: Row; post: PostRecord | undefined }[];
  fates: Map<string, string[]>;
  /** where the next page starts; undefined after the last */
  after: string | undefined;
}

interface Row {
  id: string;
  thread_id: string;
  type: string;
  schema_version: number;
  at: Date;
  actor: string;
  snapshot: Uint8Array;
  author_email: string | null;
}

export async function runBacktest(db: Database, o: BacktestOptions): Promise<BacktestResult> {
  const pageSize = o.pageSize ?? 2000;
  const started = Date.now();
  const content = { area: 'content' as const, shard: o.forum.shard, mode: 'read' as const };
  const replay = new Replay({ settings: o.settings, bans: o.bans, recentKept });
  const tally = new Tally(o.sampleSize ?? 20);
  const accounts = new Map<string, Date | null>();
  const skipped = { byModerator: 0, unreadable: 0 };
  let events = 0;
  let truncated = false;
  const rate = (n: number) => Math.round((n * 1000) / Math.max(Date.now() - started, 1));
  // a page arrives with what it needs (decoded, its posts' fates, its authors' ages); the next one is
  // asked for as soon as this one is in, so the database works while this one is judged (one ahead)
  const fetchPage = async (after: string): Promise<Page> => {
    const { rows } = await db.exec<Row>(content, backtestSql.forumEventsAfter, [o.forum.id, after, scannedTypes, pageSize]);
    const decoded = rows.map((r) => ({ row: r, post: readPost(r) }));
    const created = decoded.filter((d) => d.row.type === 'PostCreated' && d.post !== undefined).map((d) => d.post!);
    const [fates] = await Promise.all([laterEvents(db, content, created.map((p) => p.id)), lookUpAccounts(db, accounts, created)]);
    return { decoded, fates, after: rows.length === pageSize ? rows[rows.length - 1].id : undefined };
  };
  // accounts with a role in the forum now (the log does not say who had one then)
  const moderators = new Set((await db.exec<{ user_id: string }>({ area: 'accounts', mode: 'read' }, backtestSql.forumModerators, [o.forum.id])).rows.map((r) => r.user_id));
  let page: Promise<Page> | undefined = fetchPage('0');
  try {
    while (page && !truncated) {
      const { decoded, fates, after }: Page = await page;
      if (o.signal?.aborted) throw new BacktestCancelled(tally.comments);
      page = after === undefined ? undefined : fetchPage(after);
      if (decoded.length === 0) break;
      for (const { row, post } of decoded) {
        events++;
        if (row.type in threadEvents) replay.threadStatus(row.thread_id, threadEvents[row.type]);
        else if (post === undefined) skipped.unreadable += row.type === 'PostCreated' ? 1 : 0;
        else if (row.type !== 'PostCreated') replay.statusChanged(post, row.author_email);
        else if (tally.comments >= o.maxComments) {
          truncated = true;
          break;
        } else {
          const c: PastComment = { post, at: row.at, authorEmail: row.author_email, accountCreatedAt: post.authorUserId === null ? null : (accounts.get(post.authorUserId) ?? null) };
          if (byModerator(row.actor) || (post.authorUserId !== null && moderators.has(post.authorUserId))) {
            skipped.byModerator++;
            replay.witness(c);
            continue;
          }
          const { verdict, reasons } = replay.comment(c);
          tally.add({ postId: post.id, threadId: post.threadId, at: row.at, verdict, fate: fateOf(post.status, fates.get(post.id) ?? []), reasons });
        }
      }
      replay.prune(decoded[decoded.length - 1].row.at);
      o.onProgress?.({ type: 'progress', comments: tally.comments, events, elapsedMs: Date.now() - started, perSecond: rate(tally.comments) });
    }
  } finally {
    // a page asked for and no longer wanted (cancelled, truncated, failed): its answer is dropped
    void page?.catch(() => {});
  }
  return {
    type: 'result',
    forum: o.forum.slug,
    rules: o.settings,
    ...tally.result(),
    skipped,
    truncated,
    maxComments: o.maxComments,
    events,
    elapsedMs: Date.now() - started,
    perSecond: rate(tally.comments),
    assumptions: assumptions(o),
  };
}

function readPost(r: Row): PostRecord | undefined {
  if (r.type in threadEvents || r.schema_version !== 1) return undefined;
  try {
    const post = decodeSnapshot(r.snapshot) as PostRecord;
    return post !== null && typeof post === 'object' && typeof post.id === 'string' ? post : undefined;
  } catch {
    return undefined;
  }
}

async function laterEvents(db: Database, route: { area: 'content'; shard: number; mode: 'read' }, postIds: string[]): Promise<Map<string, string[]>> {
  if (postIds.length === 0) return new Map();
  const { rows } = await db.exec<{ post_id: string; types: string[] }>(route, backtestSql.laterStatusEvents, [postIds, laterStatusEventTypes]);
  return new Map(rows.map((r) => [r.post_id, r.types]));
}

/** Account creation times of the page's authors not seen before (an account gone since: null). */
async function lookUpAccounts(db: Database, known: Map<string, Date | null>, created: PostRecord[]): Promise<void> {
  const wanted = [...new Set(created.map((p) => p.authorUserId).filter((id): id is string => id !== null && !known.has(id)))];
  if (wanted.length === 0) return;
  const { rows } = await db.exec<{ id: string; created_at: Date }>({ area: 'accounts', mode: 'read' }, backtestSql.accountsCreated, [wanted]);
  for (const id of wanted) known.set(id, null);
  for (const r of rows) known.set(r.id, r.created_at);
}

function assumptions(o: BacktestOptions): string[] {
  const bans = o.bans?.length ?? 0;
  return [
    bans ? `bans: the ${bans} given, applied to every comment` : 'bans: none (the log keeps no bans; give some to test them)',
    'addresses are not in the log: IP and range bans never match',
    'the widget\'s load time and the honeypot field are not in the log: too_fast and honeypot never fire',
    'threads: open when each comment was written, unless the log records that one was closed (a closed thread refuses comments)',
    `recent texts: those of the author's last ${recentKept} comments written in other threads the day before, as the write path reads them`,
    'Akismet is not asked (the past is not sent to an outside service), and readers\' flags are not replayed',
    'each comment is judged as first written (edits are not replayed); its fate is its last status',
    'comments by the forum\'s key, the admin, or an account with a role in the forum now skip the rules and are not judged',
  ];
}
