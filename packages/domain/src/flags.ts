// Readers' reports ("flags") of a published comment. One reader counts once; when a forum's count
// reaches moderation.flags.holdAfter the comment goes back to the queue (the `hold` transition)
// with a `flags` reason. Who reported is for moderators only, and only as a user id.
import type { PostRecord } from './model.ts';
import type { Reason } from './moderation/types.ts';

export const flagReasons = ['spam', 'abuse', 'off_topic', 'personal_info', 'other'] as const;
export type FlagReason = (typeof flagReasons)[number];

export const maxFlagNoteLength = 500;

/** A reader's report as stored: `reporter` is `user:<id>` or `guest:<hash of the voter key>`. */
export interface PostFlag {
  postId: string;
  reporter: string;
  reason: FlagReason;
  note: string | null;
  createdAt: Date;
}

/** A report as a moderator sees it: a signed-in reporter by user id, a guest as nobody in particular. */
export interface FlagView {
  reason: FlagReason;
  note: string | null;
  createdAt: string;
  reporterUserId: string | null;
}

export const flagView = (f: PostFlag): FlagView => ({
  reason: f.reason,
  note: f.note,
  createdAt: f.createdAt.toISOString(),
  reporterUserId: f.reporter.startsWith('user:') ? f.reporter.slice('user:'.length) : null,
});

/** The reporter's own report, as they see it back. */
export const ownFlagView = (f: PostFlag): Omit<FlagView, 'reporterUserId'> => ({ reason: f.reason, note: f.note, createdAt: f.createdAt.toISOString() });

/** The reason a hold by readers' flags records on the post. */
export const flaggedReason = (count: number): Reason => ({ phase: 'flags', code: 'flagged', detail: `${count} readers reported it` });

/** The PostFlagged snapshot: the post as the flag left it and the reason given; never who flagged it, nor the note. */
export interface PostFlaggedSnapshot {
  post: PostRecord;
  reason: FlagReason;
}
