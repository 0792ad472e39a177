// What a credential may do in a forum, for every entry point (HTTP and realtime). Three powers:
// - moderate: change the forum's comments and see its hidden ones (admin, the forum's key, an
//   owner or a moderator account);
// - manage: what the forum's shared key may do besides (settings, SSO secret, webhooks): admin,
//   the key, an owner;
// - manage roles (invite, grant, remove, rotate the key): admin or an owner, never the key, so a
//   leaked integration key cannot make itself an account or outlive its rotation.
// Roles come with the session on every request (one query, no cache), so a removed role stops
// at the next request.
import { isForumRole, ParleyError, type ForumRole } from '@parley/domain';
import type { Credential } from './credential.ts';

/** A signed-in account's roles: forum id → role. */
export type ForumRoles = ReadonlyMap<string, ForumRole>;

const noRoles: ForumRoles = new Map();

/**
 * The roles the session query returned (`"<forum id>:<role>"` texts). A user a site signed in
 * holds none, whatever the table says: roles are for Parley accounts only.
 */
export function rolesFromRow(raw: unknown, ssoForumId: string | undefined): ForumRoles {
  if (ssoForumId !== undefined || !Array.isArray(raw) || raw.length === 0) return noRoles;
  const roles = new Map<string, ForumRole>();
  for (const entry of raw) {
    const [forumId, role] = String(entry).split(':');
    if (isForumRole(role)) roles.set(forumId, role);
  }
  return roles;
}

/** The account's role in this forum, if it is an account with one. */
export const roleIn = (c: Credential, forumId: string): ForumRole | undefined =>
  c.kind === 'user' && c.user.ssoForumId === undefined ? c.roles.get(forumId) : undefined;

/** True when the credential may moderate the forum: change its comments, see its hidden ones. */
export const moderates = (c: Credential, forumId: string): boolean =>
  c.kind === 'admin' || (c.kind === 'moderator' && c.forum.id === forumId) || roleIn(c, forumId) !== undefined;

/** True when the credential has the powers of the forum's key: its settings, SSO secret and webhooks. */
export const manages = (c: Credential, forumId: string): boolean =>
  c.kind === 'admin' || (c.kind === 'moderator' && c.forum.id === forumId) || roleIn(c, forumId) === 'owner';

/** True when the credential may manage the forum's roles and rotate its key. */
export const managesRoles = (c: Credential, forumId: string): boolean => c.kind === 'admin' || roleIn(c, forumId) === 'owner';

/** Moderation: 401 without a credential, 403 with one that does not moderate this forum. */
export function requireModerator(c: Credential, forumId: string): void {
  if (c.kind === 'none') throw new ParleyError('unauthorized', { message: "This needs the forum's moderator key, or a moderator's sign-in." });
  if (!moderates(c, forumId)) throw new ParleyError('forbidden', { message: "This needs the moderator key of this comment's forum, or the sign-in of one of its moderators." });
}

/** The forum's settings, secrets and webhooks: the key's powers. */
export function requireManager(c: Credential, forumId: string): void {
  if (c.kind === 'none') throw new ParleyError('unauthorized', { message: "This needs the forum's moderator key, or an owner's sign-in." });
  if (!manages(c, forumId)) throw new ParleyError('forbidden', { message: "This needs this forum's moderator key or the sign-in of one of its owners; a moderator account moderates comments only." });
}

/** Roles and the key itself: an owner of the forum, or the admin. */
export function requireRoleManager(c: Credential, forumId: string): void {
  if (c.kind === 'none') throw new ParleyError('unauthorized', { message: "This needs the sign-in of one of the forum's owners (or the admin token)." });
  if (!managesRoles(c, forumId)) throw new ParleyError('forbidden', { message: "Only this forum's owners (and the admin) manage its roles and its moderator key." });
}
