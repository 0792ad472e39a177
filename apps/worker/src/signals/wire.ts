// How events travel inside a signals job: the log row's metadata plus the msgpackr snapshot as
// base64 (pg-boss job data is JSON). Decoding is per event, so one poison snapshot can be set
// aside without failing the rest of its chunk.
import { readEvent } from '@parley/data';
import type { EventType } from '@parley/domain';
import type { SignalEvent } from './registry.ts';

export interface WireEvent {
  id: string;
  forumId: string | null;
  threadId: string | null;
  seq: number | null;
  type: string;
  version: number;
  actor: string;
  at: string;
  postId: string | null;
  snapshot: string;
}

export interface SignalsJob {
  v: 1;
  events: WireEvent[];
}

export function wireFromRow(r: Record<string, unknown>): WireEvent {
  return {
    id: String(r.id),
    forumId: (r.forum_id as string | null) ?? null,
    threadId: (r.thread_id as string | null) ?? null,
    seq: r.seq === null || r.seq === undefined ? null : Number(r.seq),
    type: r.type as string,
    version: r.schema_version as number,
    actor: r.actor as string,
    at: (r.at as Date).toISOString(),
    postId: (r.post_id as string | null) ?? null,
    snapshot: (r.snapshot as Buffer).toString('base64'),
  };
}

/** Throws on a snapshot no reader understands (a poison event). */
export function decodeWire(w: WireEvent): SignalEvent {
  const event = readEvent(w.type, w.version, Buffer.from(w.snapshot, 'base64'));
  if (event.snapshot === null || typeof event.snapshot !== 'object') throw new Error(`event ${w.id}: snapshot is not a record`);
  return {
    id: w.id,
    forumId: w.forumId,
    threadId: w.threadId,
    seq: w.seq,
    type: w.type as EventType,
    version: w.version,
    actor: w.actor,
    at: new Date(w.at),
    postId: w.postId,
    event,
  };
}
