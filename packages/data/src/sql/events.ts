// The event log. `appendThreadEvent` takes the thread's next sequence number and writes the
// event in one statement; it must run inside the write's transaction, after the atomic update,
// so a thread's events are gap-free and in commit order. Both appends return the LoggedEvent
// they wrote, the one event type every later hop carries.
import type { Executor } from '../db.ts';
import { encodeSnapshot } from '../codec.ts';
import { eventColumns, type LoggedEvent, type ThreadEvent } from '../logged-event.ts';
import { makeEvent, publishedStatuses, type ParleyEvent, type PostCreated, type PostRecord } from '@parley/domain';
import { parentVisibleTo, threadOpen, type NewPost } from './posts.ts';

export async function appendThreadEvent<E extends ParleyEvent>(
  ex: Executor,
  e: { threadId: string; actor: string; postId?: string | null; event: E },
): Promise<ThreadEvent & LoggedEvent<E>> {
  const snapshot = encodeSnapshot(e.event.snapshot);
  const { rows } = await ex.query<AppendedRow>(
    appendThreadEventSql,
    [e.threadId, e.event.type, e.event.version, e.actor, e.postId ?? null, snapshot],
  );
  const logged = await appended(ex, rows, { ...e, snapshot });
  if (!logged) throw new Error(`thread ${e.threadId} vanished inside a write`);
  return logged;
}

type AppendedRow = { id: string; seq: string; at: Date; forum_id: string };

/**
 * The event an append wrote, recorded for the publish after the commit; undefined when it wrote
 * none and no fence explains it (the caller says what that means); ContentMovedError when a forum
 * move fenced the thread's forum.
 */
async function appended<E extends ParleyEvent>(
  ex: Executor,
  rows: AppendedRow[],
  e: { threadId: string; actor: string; postId?: string | null; event: E; snapshot: Uint8Array },
): Promise<(ThreadEvent & LoggedEvent<E>) | undefined> {
  if (rows.length === 0) {
    const fence = await ex.query<{ to_shard: number; forum_id: string }>(fencedThread, [e.threadId]);
    if (fence.rows.length) throw new ContentMovedError(e.threadId, String(fence.rows[0].forum_id), fence.rows[0].to_shard);
    return undefined;
  }
  const r = rows[0];
  const logged = {
    id: String(r.id), forumId: r.forum_id, threadId: e.threadId, seq: Number(r.seq), type: e.event.type, version: e.event.version,
    actor: e.actor, at: r.at, postId: e.postId ?? null, event: e.event, snapshot: e.snapshot,
  };
  ex.record?.(logged);
  return logged;
}

/**
 * A write to a forum whose content is leaving this shard (a forum move has fenced it here, see
 * docs/adr/0009): nothing was written; the caller runs the write again where the forum lives now.
 */
export class ContentMovedError extends Error {
  readonly threadId: string;
  readonly forumId: string;
  readonly toShard: number;

  constructor(threadId: string, forumId: string, toShard: number) {
    super(`thread ${threadId}'s forum has moved to content shard ${toShard}`);
    this.name = 'ContentMovedError';
    this.threadId = threadId;
    this.forumId = forumId;
    this.toShard = toShard;
  }
}

const fencedThread = `SELECT f.to_shard, f.forum_id FROM threads t JOIN forum_fences f ON f.forum_id = t.forum_id WHERE t.id = $1`;

/**
 * $1 thread, $2 type, $3 schema version, $4 actor, $5 post, $6 snapshot. Every content write
 * appends here, so this is the one place a forum move's fence stops writes: a thread of a fenced
 * forum has nothing to update, the insert of the event inserts nothing, and the write rolls back.
 */
export const appendThreadEventSql = { name: 'parley_append_thread_event', text: `WITH ${appendingEvent()}` };

/** The thread's next sequence number and the event ($1-$6 as above), when `gate` (SQL) holds too. */
function appendingEvent(gate = 'true'): string {
  return `t AS (UPDATE threads SET last_seq = last_seq + 1
       WHERE id = $1 AND ${gate} AND NOT EXISTS (SELECT 1 FROM forum_fences f WHERE f.forum_id = threads.forum_id)
       RETURNING forum_id, last_seq)
     INSERT INTO events (forum_id, thread_id, seq, type, schema_version, actor, post_id, snapshot)
     SELECT t.forum_id, $1, t.last_seq, $2, $3, $4, $5, $6 FROM t
     RETURNING id, seq, at, forum_id`;
}

/**
 * A judged comment and its `PostCreated` event in one statement (the comment was placed and judged
 * on `placePostJudged`'s row, in the same transaction): the post is inserted with every column
 * given (`post`, from `newPostRecord`, which is also the snapshot), the thread and the parent
 * checked again as `insertPost` checks them, then the event appended as `appendThreadEvent`
 * appends it. Undefined when the check refused it; ContentMovedError when the forum is being moved.
 */
export async function appendNewPost(ex: Executor, actor: string, post: PostRecord, asked: NewPost): Promise<(ThreadEvent & LoggedEvent<PostCreated>) | undefined> {
  const event = makeEvent<PostCreated>('PostCreated', post);
  const snapshot = encodeSnapshot(event.snapshot);
  const p = post;
  const { rows } = await ex.query<AppendedRow>(appendNewPostSql, [
    p.threadId, event.type, event.version, actor, p.id, snapshot,
    p.forumId, p.parentId, p.depth, p.path, p.authorUserId, p.authorName, asked.authorEmail, asked.editTokenHash, p.notify, p.message, p.html,
    p.status, JSON.stringify(p.moderationReasons), asked.authorIp ?? null, asked.parentId, publishedStatuses, asked.byModerator,
  ]);
  return appended(ex, rows, { threadId: p.threadId, actor, postId: p.id, event, snapshot });
}

/**
 * $1-$6 as `appendThreadEventSql` ($5 the new post's id), then the post: $7 forum, $8 parent,
 * $9 depth, $10 path, $11 user id, $12 name, $13 email, $14 edit token hash, $15 notify,
 * $16 message, $17 html, $18 status (also the initial one), $19 reasons (jsonb), $20 address,
 * $21 the parent asked for, $22 published statuses, $23 whether a moderator posts. created_at is
 * `now()`, the transaction's clock: the instant the placement read as the record's `createdAt`.
 */
const appendNewPostSql = {
  name: 'parley_append_new_post',
  text: `WITH ins AS (
       INSERT INTO posts (id, thread_id, forum_id, parent_id, depth, path, author_user_id, author_name, author_email, edit_token_hash, notify,
                          message, html, status, initial_status, moderation_reasons, author_ip, prev_status, flag_count, revision, score, reply_count, created_at, edited_at)
       SELECT $5::bigint, $1, $7, $8::bigint, $9::int, $10::bigint[], $11::bigint, $12, $13, $14, $15, $16, $17, $18, $18, $19::jsonb, $20::inet, NULL, 0, 1, 0, 0, now(), NULL
       WHERE ${threadOpen('$1')}
         AND ($21::bigint IS NULL OR EXISTS (SELECT 1 FROM posts pp WHERE pp.id = $21::bigint AND pp.thread_id = $1
               AND ${parentVisibleTo('pp', { statuses: '$22', byModerator: '$23', userId: '$11' })}))
       RETURNING id),
     ${appendingEvent('EXISTS (SELECT 1 FROM ins)')}`,
};

/** Events with no thread (forum and account events). */
export async function appendEvent<E extends ParleyEvent>(ex: Executor, e: { forumId: string | null; actor: string; event: E }): Promise<LoggedEvent<E>> {
  const snapshot = encodeSnapshot(e.event.snapshot);
  const { rows } = await ex.query<{ id: string; at: Date }>(
    `INSERT INTO events (forum_id, type, schema_version, actor, snapshot) VALUES ($1, $2, $3, $4, $5) RETURNING id, at`,
    [e.forumId, e.event.type, e.event.version, e.actor, snapshot],
  );
  return {
    id: String(rows[0].id), forumId: e.forumId, threadId: null, seq: null, type: e.event.type, version: e.event.version,
    actor: e.actor, at: rows[0].at, postId: null, event: e.event, snapshot,
  };
}

/** $1 thread, $2 after seq, $3 limit: rows for `loggedEventFromRow` */
export const selectThreadEvents = {
  name: 'parley_select_thread_events',
  text: `SELECT ${eventColumns} FROM events WHERE thread_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
};
