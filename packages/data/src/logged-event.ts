// The one event type after the write: an event as the log holds it. Every hop (the API's commit
// listeners, the realtime bus, the relay's jobs, the webhooks, the event-log reads) carries this
// type; the row codec is here and the wire formats are derived from it in event-wire.ts.
import type { ParleyEvent } from '@parley/domain';
import { readEvent } from './codec.ts';

export interface LoggedEvent<E extends ParleyEvent = ParleyEvent> {
  /** the row's global id: the key for idempotency and for receivers to deduplicate on */
  id: string;
  forumId: string | null;
  /** null for forum and account events */
  threadId: string | null;
  /** the thread's sequence number (gap-free per thread); null without a thread */
  seq: number | null;
  type: E['type'];
  /** the snapshot's schema version */
  version: number;
  actor: string;
  at: Date;
  postId: string | null;
  /** the decoded domain event */
  event: E;
  /** the msgpackr snapshot exactly as stored, so wire formats pass it on without encoding it again */
  snapshot: Uint8Array;
}

/** A thread's event: what the realtime tier carries and the API publishes after commit. */
export type ThreadEvent = LoggedEvent & { threadId: string; forumId: string; seq: number };

/** The columns `loggedEventFromRow` reads, for SELECTs on `events`. */
export const eventColumns = 'id, forum_id, thread_id, seq, type, schema_version, actor, at, post_id, snapshot';

/** The raw row, snapshot not decoded (what the relay hands on without judging it). */
export interface EventRow {
  id: string;
  forumId: string | null;
  threadId: string | null;
  seq: number | null;
  type: string;
  version: number;
  actor: string;
  at: Date;
  postId: string | null;
  snapshot: Uint8Array;
}

export const eventRowFromRow = (r: Record<string, unknown>): EventRow => ({
  id: String(r.id),
  forumId: (r.forum_id as string | null | undefined) ?? null,
  threadId: (r.thread_id as string | null | undefined) ?? null,
  seq: r.seq === null || r.seq === undefined ? null : Number(r.seq),
  type: r.type as string,
  version: r.schema_version as number,
  actor: r.actor as string,
  at: r.at as Date,
  postId: (r.post_id as string | null | undefined) ?? null,
  snapshot: r.snapshot as Uint8Array,
});

/**
 * Decodes a row's snapshot with the versioned reader. Throws on a snapshot no reader understands
 * (a poison event): callers that must not stop on one decode per event and set it aside.
 */
export function decodeEventRow(row: EventRow): LoggedEvent {
  const event = readEvent(row.type, row.version, row.snapshot);
  if (event.snapshot === null || typeof event.snapshot !== 'object') throw new Error(`event ${row.id}: snapshot is not a record`);
  return { ...row, type: event.type, event };
}

/** The row codec: an `events` row (selected with `eventColumns`) as a LoggedEvent. */
export const loggedEventFromRow = (r: Record<string, unknown>): LoggedEvent => decodeEventRow(eventRowFromRow(r));
