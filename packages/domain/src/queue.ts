// The moderation queue and the moderation log, as data: which queue a post is in, the item a
// moderator sees (the HTTP list and the realtime changes share it), and the events the log shows.
// No I/O, and nothing only Node has: the console (apps/widget) imports it. Cursors: queue-cursor.ts.
import type { EventType } from './events.ts';
import type { PostRecord, PostStatus } from './model.ts';
import { transitions } from './transitions.ts';
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

/**
 * The post transitions the moderation log shows: every moderator transition's event, from the
 * transitions table (migration 14's events_moderation_log_idx lists the same; a test compares).
 */
export const moderationLogPostTypes: readonly EventType[] = Object.freeze([...new Set(Object.values(transitions).map((t) => t.event))]);

/** The forum's own events the log leaves out: integrations, not moderation. */
export const moderationLogSkippedTypes = ['WebhookCreated', 'WebhookDeleted', 'WebhookReplayRequested'] as const satisfies readonly EventType[];
