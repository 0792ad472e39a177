// Protocol 1 (docs/realtime.md), the pure part: a client's frame in, a validated operation or the
// error frame that answers it out; the server's frames as strings. No sockets, no state.
import { checkId, checkSlug, errorCodes, type ErrorCode, type ParleyError } from '@parley/domain';

export const REALTIME_PATH = '/v1/realtime';
export const PROTOCOL_VERSION = 1;
/** close code 1012 "service restart": reconnect (to this or another node) and resume */
export const CLOSE_RESTART = 1012;
/** close code 1013 "try again later": the client fell too far behind (slow consumer) */
export const CLOSE_SLOW = 1013;
/** close code 1008 "policy violation": too many bad frames, or too many refused operations */
export const CLOSE_POLICY = 1008;
/** close code 4000: no subscriptions for longer than the idle timeout */
export const CLOSE_IDLE = 4000;

export type ClientOp =
  | { op: 'ping' }
  | { op: 'unsubscribe'; threadId: string }
  // `session`: a user token, for this subscription what the upgrade's bearer token is for the connection (browsers cannot set that header)
  | { op: 'subscribe'; threadId: string; after: number | undefined; key: string | undefined; session?: string }
  // a forum's moderation queue (docs/realtime.md, "The moderation queue, live"), by the forum's slug
  | { op: 'subscribeQueue'; forum: string; key: string | undefined }
  | { op: 'unsubscribeQueue'; forum: string };

/** What the server answers a refusal with; the code is one of the domain's error registry. */
export interface ErrorFrame {
  op: 'error';
  code: ErrorCode;
  message: string;
  threadId?: string;
  /** a queue subscription's forum (slug) */
  forum?: string;
}

export interface Limits {
  subscriptions: number;
  frameBytes: number;
  idleSeconds: number;
  replay: number;
}

const FIELDS = {
  subscribe: ['op', 'threadId', 'after', 'key', 'session'],
  unsubscribe: ['op', 'threadId'],
  ping: ['op'],
  subscribeQueue: ['op', 'forum', 'key'],
  unsubscribeQueue: ['op', 'forum'],
} as const satisfies Record<ClientOp['op'], readonly string[]>;

const KEY_MAX = 512;

export const errorFrame = (code: ErrorCode, message: string = errorCodes[code].message, threadId?: string): ErrorFrame => ({
  op: 'error',
  code,
  message,
  ...(threadId !== undefined ? { threadId } : {}),
});

export const refusalFrame = (err: ParleyError, threadId?: string): ErrorFrame => errorFrame(err.code, err.message, threadId);

const isOp = (op: string): op is ClientOp['op'] => Object.hasOwn(FIELDS, op);

/** A client's frame: the operation it asks for, or the error frame that refuses it as malformed (a bad frame). */
export function parseFrame(data: Buffer | string, isBinary: boolean): ClientOp | ErrorFrame {
  if (isBinary) return errorFrame('bad_frame', 'Frames are JSON text; binary frames are not accepted.');
  let frame: unknown;
  try {
    frame = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return errorFrame('bad_frame', 'A frame must be one JSON object.');
  }
  if (!frame || typeof frame !== 'object' || Array.isArray(frame)) return errorFrame('bad_frame', 'A frame must be one JSON object.');
  const f = frame as Record<string, unknown>;
  const op = typeof f.op === 'string' ? f.op : undefined;
  if (op === undefined) return errorFrame('unknown_op');
  if (!isOp(op)) return errorFrame('unknown_op', `Unknown op "${op.slice(0, 40)}"; use (un)subscribe, (un)subscribeQueue or ping.`);
  const fields: readonly string[] = FIELDS[op];
  const extra = Object.keys(f).find((k) => !fields.includes(k));
  if (extra !== undefined) return errorFrame('unknown_field', `"${extra.slice(0, 40)}" is not a field of ${op}; it takes ${fields.join(', ')}.`);
  if (op === 'ping') return { op };
  if (op === 'subscribeQueue' || op === 'unsubscribeQueue') return parseQueueOp(op, f);
  const threadId = f.threadId;
  if (typeof threadId !== 'string') return errorFrame('invalid_field', `${op} needs "threadId", a thread id as a string.`);
  try {
    checkId(threadId, 'threadId');
  } catch (err) {
    return errorFrame('invalid_field', (err as ParleyError).message, threadId.slice(0, 40));
  }
  if (op === 'unsubscribe') return { op, threadId };
  const after = f.after;
  if (after !== undefined && (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0)) {
    return errorFrame('invalid_field', '"after" must be a whole number ≥ 0: the last sequence number you have.', threadId);
  }
  const key = f.key;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > KEY_MAX)) {
    return errorFrame('invalid_field', '"key" must be the forum\'s moderator key.', threadId);
  }
  const session = f.session;
  if (session !== undefined && (typeof session !== 'string' || session.length === 0 || session.length > KEY_MAX)) {
    return errorFrame('invalid_field', '"session" must be a user token.', threadId);
  }
  return { op, threadId, after: after as number | undefined, key: key as string | undefined, ...(session !== undefined ? { session: session as string } : {}) };
}

function parseQueueOp(op: 'subscribeQueue' | 'unsubscribeQueue', f: Record<string, unknown>): ClientOp | ErrorFrame {
  const forum = f.forum;
  if (typeof forum !== 'string') return errorFrame('invalid_field', `${op} needs "forum", the forum's slug.`);
  try {
    checkSlug(forum);
  } catch (err) {
    return { ...errorFrame('invalid_field', (err as ParleyError).message), forum: forum.slice(0, 64) };
  }
  if (op === 'unsubscribeQueue') return { op, forum };
  const key = f.key;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > KEY_MAX)) {
    return { ...errorFrame('invalid_field', '"key" must be the forum\'s moderator key, or a moderator\'s session.'), forum };
  }
  return { op, forum, key: key as string | undefined };
}

export const isErrorFrame = (x: ClientOp | ErrorFrame): x is ErrorFrame => x.op === 'error';

// The server's frames.
export const helloFrame = (limits: Limits) => ({ op: 'hello', protocol: PROTOCOL_VERSION, limits }) as const;
export const pongFrame = () => ({ op: 'pong' }) as const;
export const subscribedFrame = (threadId: string, seq: number, moderator: boolean) => ({ op: 'subscribed', threadId, seq, moderator }) as const;
export const unsubscribedFrame = (threadId: string) => ({ op: 'unsubscribed', threadId }) as const;
export const queueSubscribedFrame = (forum: string) => ({ op: 'queueSubscribed', forum }) as const;
export const queueUnsubscribedFrame = (forum: string) => ({ op: 'queueUnsubscribed', forum }) as const;
/** an error frame about a queue subscription */
export const queueErrorFrame = (code: ErrorCode, forum: string, message?: string): ErrorFrame => ({ ...errorFrame(code, message), forum });
/** without seq: the thread is lost to the client (a slow consumer), so it refetches */
export const resetFrame = (threadId: string, seq?: number) => ({ op: 'reset', threadId, ...(seq !== undefined ? { seq } : {}) }) as const;
