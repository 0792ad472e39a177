// What the public sees, stated once. SQL receives these lists as parameters (`= ANY($n)`), the
// worker counts with the weights, the API and realtime shape views with them, and the widget
// imports them: a moderation rule that changes them changes this file only.
import type { PostStatus } from './model.ts';
import { transitions } from './transitions.ts';

/** Statuses in which a post is published: the public sees it and it counts. */
export const publishedStatuses: readonly PostStatus[] = Object.freeze(['approved']);

/** Statuses the public never sees, not even as a tombstone in an event (the post is "hidden"). */
export const hiddenStatuses: readonly PostStatus[] = Object.freeze(['pending', 'spam', 'shadowed']);

/** Statuses that wait for a moderator's decision (they count in `pendingCount`). */
export const awaitingModerationStatuses: readonly PostStatus[] = Object.freeze(['pending']);

export const isPublished = (status: PostStatus | null | undefined): boolean => status != null && publishedStatuses.includes(status);

export const isHiddenFromPublic = (status: PostStatus): boolean => hiddenStatuses.includes(status);

/**
 * What one post in a status adds to the counters: `published` to post and reply counts,
 * `pending` to the moderators' pending counts. A status change moves a post from one weight to
 * the other, so a counter is the sum of its posts' weights.
 */
export interface CounterWeight {
  published: number;
  pending: number;
}

export const counterWeight = (status: PostStatus | null | undefined): CounterWeight => ({
  published: isPublished(status) ? 1 : 0,
  pending: status != null && awaitingModerationStatuses.includes(status) ? 1 : 0,
});

/** Events whose snapshot is a post that may have changed status (the counters' and emails' input). */
export const statusEventTypes = Object.freeze(['PostCreated', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored', 'PostHeld', 'PostShadowed'] as const);
export type StatusEventType = (typeof statusEventTypes)[number];

/** Moderation events that leave a post published (approve, restore), from the transitions table. */
export const publishingTransitionEvents: readonly StatusEventType[] = Object.freeze(
  Object.values(transitions).filter((t) => isPublished(t.to)).map((t) => t.event),
);

/** Moderation events that leave a post unpublished (spam, delete). */
export const unpublishingTransitionEvents: readonly StatusEventType[] = Object.freeze(
  Object.values(transitions).filter((t) => !isPublished(t.to)).map((t) => t.event),
);

/**
 * Events that may publish a post: its creation (when it starts published) and every transition
 * that ends published. Whether this event did publish is `isPublished(snapshot.status)`.
 */
export const publishingEventTypes: readonly StatusEventType[] = Object.freeze(['PostCreated', ...publishingTransitionEvents]);

export const isPublishingEvent = (type: string): type is StatusEventType => (publishingEventTypes as readonly string[]).includes(type);
export const isStatusEvent = (type: string): type is StatusEventType => (statusEventTypes as readonly string[]).includes(type);
