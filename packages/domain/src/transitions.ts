// Allowed post status transitions. The SQL layer turns `allowedFrom` into the WHERE clause of
// one conditional UPDATE, so a transition is checked and applied atomically.
import type { PostStatus } from './model.ts';

export type ModerationAction = 'approve' | 'spam' | 'delete' | 'restore' | 'hold' | 'shadow';

interface Transition {
  from: readonly PostStatus[];
  to: PostStatus;
  event: 'PostApproved' | 'PostMarkedSpam' | 'PostDeleted' | 'PostRestored' | 'PostHeld' | 'PostShadowed';
}

export const transitions: Readonly<Record<ModerationAction, Transition>> = {
  approve: { from: ['pending', 'spam', 'shadowed'], to: 'approved', event: 'PostApproved' },
  spam: { from: ['pending', 'approved', 'shadowed'], to: 'spam', event: 'PostMarkedSpam' },
  delete: { from: ['pending', 'approved', 'spam', 'shadowed'], to: 'deleted', event: 'PostDeleted' },
  // a restored post comes back published: restoring is a moderator's decision to show it
  restore: { from: ['deleted'], to: 'approved', event: 'PostRestored' },
  // back to the queue: readers flagged it (moderation.flags.holdAfter), or a moderator wants a second look
  hold: { from: ['approved'], to: 'pending', event: 'PostHeld' },
  // a shadow ban's retroactive step, or a moderator's: the author keeps seeing it, nobody else does
  shadow: { from: ['approved', 'pending'], to: 'shadowed', event: 'PostShadowed' },
};

/**
 * An author edits while the post is pending or published; spam and deleted posts are frozen. A
 * shadowed post is editable: to its author it looks published, and a refusal would tell.
 */
export const editableStatuses: readonly PostStatus[] = ['pending', 'approved', 'shadowed'];

/** Votes count only on published posts. */
export const votableStatuses: readonly PostStatus[] = ['approved'];

export const moderationActions = Object.keys(transitions) as ModerationAction[];

export const canTransition = (action: ModerationAction, from: PostStatus): boolean => transitions[action].from.includes(from);

/** The status a new post starts in. */
export function initialStatus(opts: { preModeration: boolean; byModerator: boolean }): 'pending' | 'approved' {
  return opts.preModeration && !opts.byModerator ? 'pending' : 'approved';
}

/**
 * The reply-depth rule, stated once: a reply keeps at most this many of its parent's path ids
 * (root first) as its ancestors. The insert statement slices the parent's path with it
 * (`path[1 : n]`), and placeReply below with the same number; a test pins that both agree.
 */
export const replyAncestorCount = (maxDepth: number): number => maxDepth;

/**
 * Where a reply lands. Depth 0 is a top-level post. A reply to a post at the forum's max depth
 * attaches to that post's ancestor at depth maxDepth - 1, so it shows at maxDepth, after its parent.
 * `parentPath` holds the ids from the root down to the parent.
 */
export function placeReply(parentPath: readonly string[], maxDepth: number): { parentId: string | null; depth: number; ancestors: string[] } {
  const ancestors = parentPath.slice(0, replyAncestorCount(maxDepth));
  return { parentId: ancestors.length ? ancestors[ancestors.length - 1] : null, depth: ancestors.length, ancestors };
}
