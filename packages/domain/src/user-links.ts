// Who takes part in a forum besides its readers' own accounts. A user a forum's site signed in
// (single sign-on) belongs to that forum; the admin may link it to others. And invitations to a
// forum role (account-email.ts, kind `forum_invite`) that an owner cancelled.
import type { ForumRole } from './roles.ts';

/** A link of a site's user to another forum, as stored: the snapshot of UserForumLinked / UserForumUnlinked. */
export interface UserForumLink {
  userId: string;
  forumId: string;
  /** the actor label of whoever linked it */
  linkedBy: string;
  createdAt: Date;
}

/** The snapshot of ForumInviteCancelled: which invitation (its public id, never the link), and what it offered. */
export interface ForumInviteCancellation {
  forumId: string;
  inviteId: string;
  role: ForumRole;
}
