// Every wire format a LoggedEvent travels in, derived from it here and nowhere else:
//   bus: the realtime fast path (Redis pub/sub or Postgres NOTIFY), JSON text, with a size bound
//        past which a message becomes a reference (the node reads the event from the log);
//   job: the relay's pg-boss job data (JSON), one entry per event, decoded per event so one
//        poison snapshot can be set aside without failing the rest of its chunk.
import { decodeEventRow, type EventRow, type LoggedEvent, type ThreadEvent } from './logged-event.ts';

/** The one LISTEN/NOTIFY channel (embedded default: no Redis). */
export const NOTIFY_CHANNEL = 'parley_thread_events';
/** Postgres refuses NOTIFY payloads of 8000 bytes or more. */
export const NOTIFY_MAX_BYTES = 7900;
/** Redis pub/sub: one channel per thread, so a node hears only the threads it serves. */
export const redisChannel = (threadId: string): string => `parley:thread:${threadId}`;
export const REDIS_CHANNEL_PREFIX = 'parley:thread:';
/**
 * Redis pub/sub: a forum's post events (votes aside) go to its forum channel as well, so a node
 * serving the forum's moderation queue hears every thread of it (docs/realtime.md).
 */
export const redisForumChannel = (forumId: string): string => `parley:forum:${forumId}`;
export const REDIS_FORUM_CHANNEL_PREFIX = 'parley:forum:';
/** the events the forum channel carries: post events, not votes (the bulk, and no queue's business) */
export const onForumChannel = (e: { type: string; postId: string | null }): boolean => e.postId !== null && e.type !== 'VoteCast';

/** A bus message: the event, or only its place (a reference) when it was too large or unreadable. */
export interface BusMessage {
  threadId: string;
  forumId: string;
  seq: number;
  /** absent in a reference: read the event from the log */
  event?: ThreadEvent;
}

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const ID = /^[1-9][0-9]{0,18}$/;
const nullableString = (v: unknown) => v === null || typeof v === 'string';

/** Checks the fields both formats share and builds the row; undefined when anything is off. */
function rowOf(f: { [K in keyof EventRow]: unknown }): EventRow | undefined {
  if (typeof f.id !== 'string' || !ID.test(f.id) || typeof f.type !== 'string' || typeof f.version !== 'number' || typeof f.actor !== 'string') return undefined;
  if (!nullableString(f.forumId) || !nullableString(f.threadId) || !nullableString(f.postId) || typeof f.at !== 'string' || typeof f.snapshot !== 'string') return undefined;
  if (f.seq !== null && !Number.isSafeInteger(f.seq)) return undefined;
  const at = new Date(f.at);
  if (Number.isNaN(at.getTime())) return undefined;
  return {
    id: f.id,
    forumId: f.forumId as string | null,
    threadId: f.threadId as string | null,
    seq: f.seq as number | null,
    type: f.type,
    version: f.version,
    actor: f.actor,
    at,
    postId: f.postId as string | null,
    snapshot: Buffer.from(f.snapshot, 'base64'),
  };
}

// ---- bus: short keys, since every publish goes to every node that watches the thread

interface BusWire {
  t: string;
  f: string;
  s: number;
  i?: string;
  a?: string;
  y?: string;
  v?: number;
  c?: string;
  p?: string | null;
  b?: string;
}

export function encodeBusEvent(e: ThreadEvent, maxBytes = Infinity): string {
  const ref: BusWire = { t: e.threadId, f: e.forumId, s: e.seq };
  const text = JSON.stringify({ ...ref, i: e.id, a: e.at.toISOString(), y: e.type, v: e.version, c: e.actor, p: e.postId, b: base64(e.snapshot) } satisfies BusWire);
  return Buffer.byteLength(text) <= maxBytes ? text : JSON.stringify(ref);
}

/**
 * Undefined for anything that isn't a well-formed message (it is ignored, and the sweep repairs).
 * A message without a readable event (too large, from an older node, or a snapshot this node cannot
 * read) is a reference: the log read then delivers or reports it.
 */
export function decodeBusEvent(text: string): BusMessage | undefined {
  let w: BusWire;
  try {
    w = JSON.parse(text) as BusWire;
  } catch {
    return undefined;
  }
  if (!w || typeof w !== 'object' || typeof w.t !== 'string' || !ID.test(w.t) || typeof w.f !== 'string' || !Number.isSafeInteger(w.s) || w.s < 1) {
    return undefined;
  }
  const ref: BusMessage = { threadId: w.t, forumId: w.f, seq: w.s };
  const row = rowOf({ id: w.i, forumId: w.f, threadId: w.t, seq: w.s, type: w.y, version: w.v, actor: w.c, at: w.a, postId: w.p ?? null, snapshot: w.b });
  if (!row) return ref;
  try {
    return { ...ref, event: decodeEventRow(row) as ThreadEvent };
  } catch {
    return ref;
  }
}

// ---- job: the relay's pg-boss job data, one entry per event

/** One event in a job's JSON data: the row's fields, the time as ISO text and the snapshot as base64. */
export type JobEvent = Omit<EventRow, 'at' | 'snapshot'> & { at: string; snapshot: string };

/** From a row as the relay read it: the snapshot passes undecoded (poison is the consumer's to set aside). */
export const toJobEvent = (e: EventRow): JobEvent => ({
  id: e.id,
  forumId: e.forumId,
  threadId: e.threadId,
  seq: e.seq,
  type: e.type,
  version: e.version,
  actor: e.actor,
  at: e.at.toISOString(),
  postId: e.postId,
  snapshot: base64(e.snapshot),
});

/** Throws on a malformed entry or a snapshot no reader understands (a poison event). */
export function fromJobEvent(j: JobEvent): LoggedEvent {
  const row = rowOf(j);
  if (!row) throw new Error(`malformed job event ${JSON.stringify(j).slice(0, 200)}`);
  return decodeEventRow(row);
}
