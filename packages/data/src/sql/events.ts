// The event log. `appendThreadEvent` takes the thread's next sequence number and writes the
// event in one statement; it must run inside the write's transaction, after the atomic update,
// so a thread's events are gap-free and in commit order. Both appends return the LoggedEvent
// they wrote, the one event type every later hop carries.
import type { Executor } from '../db.ts';
import { encodeSnapshot } from '../codec.ts';
import { eventColumns, type LoggedEvent, type ThreadEvent } from '../logged-event.ts';
import type { ParleyEvent } from '@parley/domain';

export async function appendThreadEvent<E extends ParleyEvent>(
  ex: Executor,
  e: { threadId: string; actor: string; postId?: string | null; event: E },
): Promise<ThreadEvent & LoggedEvent<E>> {
  const snapshot = encodeSnapshot(e.event.snapshot);
  const { rows } = await ex.query<{ id: string; seq: string; at: Date; forum_id: string }>(
    appendThreadEventSql,
    [e.threadId, e.event.type, e.event.version, e.actor, e.postId ?? null, snapshot],
  );
  if (rows.length === 0) {
    const fence = await ex.query<{ to_shard: number; forum_id: string }>(fencedThread, [e.threadId]);
    if (fence.rows.length) throw new ContentMovedError(e.threadId, String(fence.rows[0].forum_id), fence.rows[0].to_shard);
    throw new Error(`thread ${e.threadId} vanished inside a write`);
  }
  const r = rows[0];
  const logged = {
    id: String(r.id), forumId: r.forum_id, threadId: e.threadId, seq: Number(r.seq), type: e.event.type, version: e.event.version,
    actor: e.actor, at: r.at, postId: e.postId ?? null, event: e.event, snapshot,
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
export const appendThreadEventSql = {
  name: 'parley_append_thread_event',
  text: `WITH t AS (UPDATE threads SET last_seq = last_seq + 1
       WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM forum_fences f WHERE f.forum_id = threads.forum_id)
       RETURNING forum_id, last_seq)
     INSERT INTO events (forum_id, thread_id, seq, type, schema_version, actor, post_id, snapshot)
     SELECT t.forum_id, $1, t.last_seq, $2, $3, $4, $5, $6 FROM t
     RETURNING id, seq, at, forum_id`,
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
