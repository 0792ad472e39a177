// The event log. `appendThreadEvent` takes the thread's next sequence number and writes the
// event in one statement; it must run inside the write's transaction, after the atomic update,
// so a thread's events are gap-free and in commit order.
import type { Executor } from '../db.ts';
import { encodeSnapshot } from '../codec.ts';
import type { ParleyEvent } from '@parley/domain';

export interface AppendedEvent {
  id: string;
  seq: number;
  at: Date;
}

export async function appendThreadEvent(
  ex: Executor,
  e: { threadId: string; actor: string; postId?: string | null; event: ParleyEvent },
): Promise<AppendedEvent> {
  const snapshot = encodeSnapshot(e.event.snapshot);
  const { rows } = await ex.query<{ id: string; seq: string; at: Date; forum_id: string }>(
    appendThreadEventSql,
    [e.threadId, e.event.type, e.event.version, e.actor, e.postId ?? null, snapshot],
  );
  if (rows.length === 0) throw new Error(`thread ${e.threadId} vanished inside a write`);
  const seq = Number(rows[0].seq);
  ex.record?.({ threadId: e.threadId, forumId: rows[0].forum_id, seq, at: rows[0].at, type: e.event.type, version: e.event.version, snapshot });
  return { id: rows[0].id, seq, at: rows[0].at };
}

/** $1 thread, $2 type, $3 schema version, $4 actor, $5 post, $6 snapshot */
export const appendThreadEventSql = {
  name: 'parley_append_thread_event',
  text: `WITH t AS (UPDATE threads SET last_seq = last_seq + 1 WHERE id = $1 RETURNING forum_id, last_seq)
     INSERT INTO events (forum_id, thread_id, seq, type, schema_version, actor, post_id, snapshot)
     SELECT t.forum_id, $1, t.last_seq, $2, $3, $4, $5, $6 FROM t
     RETURNING id, seq, at, forum_id`,
};

/** Events with no thread (forum and account events). */
export async function appendEvent(ex: Executor, e: { forumId: string | null; actor: string; event: ParleyEvent }): Promise<AppendedEvent> {
  const { rows } = await ex.query<{ id: string; at: Date }>(
    `INSERT INTO events (forum_id, type, schema_version, actor, snapshot) VALUES ($1, $2, $3, $4, $5) RETURNING id, at`,
    [e.forumId, e.event.type, e.event.version, e.actor, encodeSnapshot(e.event.snapshot)],
  );
  return { id: rows[0].id, seq: 0, at: rows[0].at };
}

export interface StoredEvent {
  id: string;
  seq: number;
  type: string;
  version: number;
  actor: string;
  at: Date;
  snapshot: Buffer;
}

export const selectThreadEvents = {
  name: 'parley_select_thread_events',
  text: `SELECT id, seq, type, schema_version, actor, at, snapshot FROM events WHERE thread_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
};

export const storedEventFromRow = (r: Record<string, unknown>): StoredEvent => ({
  id: r.id as string,
  seq: Number(r.seq),
  type: r.type as string,
  version: r.schema_version as number,
  actor: r.actor as string,
  at: r.at as Date,
  snapshot: r.snapshot as Buffer,
});
