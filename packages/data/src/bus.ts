// The realtime fast path's wire format. The API publishes each committed thread event, and
// every realtime node decodes it with the same versioned reader as the event log: a message is
// the log row itself (thread, forum, seq, time, type, schema version, msgpackr snapshot).
// A message that would be too large for its transport goes as a reference (no snapshot), and
// nodes read that event from the log: a publish is a hint that an event exists, never the only copy.
import type { CommittedEvent } from './db.ts';

/** The one LISTEN/NOTIFY channel (embedded default: no Redis). */
export const NOTIFY_CHANNEL = 'parley_thread_events';
/** Postgres refuses NOTIFY payloads of 8000 bytes or more. */
export const NOTIFY_MAX_BYTES = 7900;
/** Redis pub/sub: one channel per thread, so a node hears only the threads it serves. */
export const redisChannel = (threadId: string): string => `parley:thread:${threadId}`;
export const REDIS_CHANNEL_PREFIX = 'parley:thread:';

export interface BusEvent {
  threadId: string;
  forumId: string;
  seq: number;
  /** absent in a reference: read the event from the log */
  event?: { at: Date; type: string; version: number; snapshot: Uint8Array };
}

interface Wire {
  t: string;
  f: string;
  s: number;
  a?: string;
  y?: string;
  v?: number;
  b?: string;
}

export function encodeBusEvent(e: CommittedEvent, maxBytes = Infinity): string {
  const full: Wire = { t: e.threadId, f: e.forumId, s: e.seq, a: e.at.toISOString(), y: e.type, v: e.version, b: Buffer.from(e.snapshot).toString('base64') };
  const text = JSON.stringify(full);
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return JSON.stringify({ t: e.threadId, f: e.forumId, s: e.seq } satisfies Wire);
}

const ID = /^[1-9][0-9]{0,18}$/;

/** Undefined for anything that isn't a well-formed message (it is ignored, and the sweep repairs). */
export function decodeBusEvent(text: string): BusEvent | undefined {
  let w: Wire;
  try {
    w = JSON.parse(text) as Wire;
  } catch {
    return undefined;
  }
  if (!w || typeof w !== 'object' || typeof w.t !== 'string' || !ID.test(w.t) || typeof w.f !== 'string' || !Number.isSafeInteger(w.s) || w.s < 1) return undefined;
  const out: BusEvent = { threadId: w.t, forumId: w.f, seq: w.s };
  if (typeof w.b === 'string' && typeof w.y === 'string' && typeof w.v === 'number' && typeof w.a === 'string') {
    out.event = { at: new Date(w.a), type: w.y, version: w.v, snapshot: Buffer.from(w.b, 'base64') };
  }
  return out;
}
