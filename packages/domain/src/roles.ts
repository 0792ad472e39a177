// Roles per forum. An account (a Parley user, never one a site signed in) can be a forum's owner
// or moderator. Owners may do what the forum's shared key may do, and manage roles; moderators
// moderate. These are the rules; who holds which role is data the access layer resolves.
export const forumRoles = ['owner', 'moderator'] as const;
export type ForumRole = (typeof forumRoles)[number];

export const isForumRole = (s: unknown): s is ForumRole => (forumRoles as readonly unknown[]).includes(s);

/** A role as stored, and the snapshot of ForumRoleGranted / ForumRoleRevoked. */
export interface ForumRoleRecord {
  forumId: string;
  userId: string;
  role: ForumRole;
  /** the actor label of whoever granted it */
  grantedBy: string;
  createdAt: Date;
}

/**
 * Must a removal (or demotion) leave the forum with an owner? Only when an owner removes itself:
 * an admin may leave a forum without owners (it can always grant again), and an owner removing
 * another owner stays one. The statement that removes checks it atomically (sql/roles.ts).
 */
export const mustKeepAnOwner = (actorUserId: string | null, targetUserId: string): boolean => actorUserId === targetUserId;
