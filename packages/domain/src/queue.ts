// The moderation queue and the moderation log, as data: which queue a post is in, the item a
// moderator sees (the HTTP list and the realtime changes share it), the events the log shows, and
// the keyset cursors of both. No I/O.
import { ParleyError } from './errors.ts';
import type { EventType } from './events.ts';
import type { PostRecord, PostStatus } from './model.ts';
import { isId } from './validate.ts';
import { postView, type PostView } from './views.ts';

/** The queues: held, spam, shadowed (by status) and flagged (published, with readers' flags). */
export const queueNames = ['pending', 'spam', 'shadowed', 'flagged'] as const;
export type QueueName = (typeof queueNames)[number];

/** Statuses that are a queue of their own (migration 12's posts_forum_queue_idx covers exactly these). */
export const queueStatuses = ['pending', 'spam', 'shadowed'] as const satisfies readonly PostStatus[];

export const isQueueName = (s: string): s is QueueName => (queueNames as readonly string[]).includes(s);

/** The queue a post is in now; null: none (approved without flags, or deleted). */
export function queueOf(p: Pick<PostRecord, 'status' | 'flagCount'>): QueueName | null {
  if ((queueStatuses as readonly string[]).includes(p.status)) return p.status as QueueName;
  if (p.status === 'approved' && (p.flagCount ?? 0) > 0) return 'flagged';
  return null;
}

export interface QueueThread {
  identifier: string;
  title: string | null;
  url: string | null;
}

/** A queue item: the post as a moderator sees it, where it is, and who wrote it (never the IP). */
export interface QueueItemView extends PostView {
  queue: QueueName | null;
  threadId: string;
  thread: QueueThread;
  authorUserId: string | null;
  /** a guest's email, for moderators only; null for an account or a guest who gave none */
  authorEmail: string | null;
}

export function queueItemView(p: PostRecord, thread: QueueThread, authorEmail: string | null): QueueItemView {
  return {
    ...postView(p, { moderator: true }),
    queue: queueOf(p),
    threadId: p.threadId,
    thread: { identifier: thread.identifier, title: thread.title, url: thread.url },
    authorUserId: p.authorUserId,
    authorEmail: p.authorUserId === null ? authorEmail : null,
  };
}

/** The post transitions the moderation log shows (migration 14's events_moderation_log_idx lists the same). */
export const moderationLogPostTypes = [
  'PostApproved',
  'PostMarkedSpam',
  'PostDeleted',
  'PostRestored',
  'PostHeld',
  'PostShadowed',
] as const satisfies readonly EventType[];

/** The forum's own events the log leaves out: integrations, not moderation. */
export const moderationLogSkippedTypes = ['WebhookCreated', 'WebhookDeleted', 'WebhookReplayRequested'] as const satisfies readonly EventType[];

// ---- cursors: opaque base64url JSON, like the post pages' (cursor.ts)

const bad = (message?: string): never => {
  throw new ParleyError('invalid_cursor', message ? { message } : {});
};

function decodeJson(raw: string): Record<string, unknown> {
  if (raw.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(raw)) bad();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return bad();
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad();
  return body as Record<string, unknown>;
}

const encodeJson = (body: object): string => Buffer.from(JSON.stringify(body)).toString('base64url');

/** The queue's keyset: the id of the last item of a page (newest first), for one queue. */
export const encodeQueueCursor = (queue: QueueName, lastId: string): string => encodeJson({ q: queue, i: lastId });

export function decodeQueueCursor(raw: string, queue: QueueName): string {
  const { q, i } = decodeJson(raw);
  if (typeof q !== 'string' || typeof i !== 'string' || !isId(i)) return bad();
  if (q !== queue) return bad(`This cursor belongs to status=${q.slice(0, 20)}; start again from the first page of status=${queue}.`);
  return i;
}

/** The log's sources: each database that holds a forum's events, by name; the cursor keeps a position in each. */
export type LogSource = 'content' | 'forums' | 'accounts';
const logSources: readonly LogSource[] = ['content', 'forums', 'accounts'];
/** Where each source stopped: the last event id shown; absent: not started; null: exhausted. */
export type LogCursor = Partial<Record<LogSource, string | null>>;

export const encodeLogCursor = (c: LogCursor): string => encodeJson({ l: c });

export function decodeLogCursor(raw: string): LogCursor {
  const { l } = decodeJson(raw);
  if (typeof l !== 'object' || l === null || Array.isArray(l)) return bad();
  const out: LogCursor = {};
  for (const [k, v] of Object.entries(l)) {
    if (!(logSources as readonly string[]).includes(k)) return bad();
    if (v !== null && (typeof v !== 'string' || !isId(v))) return bad();
    out[k as LogSource] = v as string | null;
  }
  return out;
}
