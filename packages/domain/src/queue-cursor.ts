// The moderation queue's and log's keyset cursors: opaque base64url JSON, like the post pages'
// (cursor.ts), tied to the query they page, refused when forged.
import { decodeCursorJson, encodeCursorJson } from './cursor.ts';
import { ParleyError } from './errors.ts';
import type { QueueName } from './queue.ts';
import { isId } from './validate.ts';

const bad = (message?: string): never => {
  throw new ParleyError('invalid_cursor', message ? { message } : {});
};

/** The queue's keyset: the id of the last item of a page (newest first), for one queue. */
export const encodeQueueCursor = (queue: QueueName, lastId: string): string => encodeCursorJson({ q: queue, i: lastId });

export function decodeQueueCursor(raw: string, queue: QueueName): string {
  const { q, i } = decodeCursorJson(raw);
  if (typeof q !== 'string' || typeof i !== 'string' || !isId(i)) return bad();
  if (q !== queue) return bad(`This cursor belongs to status=${q.slice(0, 20)}; start again from the first page of status=${queue}.`);
  return i;
}

/** The log's sources: each database that holds a forum's events, by name; the cursor keeps a position in each. */
export type LogSource = 'content' | 'forums' | 'accounts';
const logSources: readonly LogSource[] = ['content', 'forums', 'accounts'];
/** Where each source stopped: the last event id shown; absent: not started; null: exhausted. */
export type LogCursor = Partial<Record<LogSource, string | null>>;

export const encodeLogCursor = (c: LogCursor): string => encodeCursorJson({ l: c });

export function decodeLogCursor(raw: string): LogCursor {
  const { l } = decodeCursorJson(raw);
  if (typeof l !== 'object' || l === null || Array.isArray(l)) return bad();
  const out: LogCursor = {};
  for (const [k, v] of Object.entries(l)) {
    if (!(logSources as readonly string[]).includes(k)) return bad();
    if (v !== null && (typeof v !== 'string' || !isId(v))) return bad();
    out[k as LogSource] = v as string | null;
  }
  return out;
}
