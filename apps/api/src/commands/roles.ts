// Roles per forum, managed by the forum's owners and the admin: list, grant (or change), remove,
// and the shared moderator key's rotation. A role change is one statement plus its event
// (ForumRoleGranted / ForumRoleRevoked, with the actor) in one accounts transaction.
import { actorOf, hashToken, newToken, requireRoleManager, type Credential } from '@parley/access';
import { appendEvent, forumFromRow, roleSql, type Executor } from '@parley/data';
import {
  actorLabel,
  checkId,
  makeEvent,
  mustKeepAnOwner,
  ParleyError,
  type Forum,
  type ForumRole,
  type ForumRoleGranted,
  type ForumRoleRecord,
  type ForumRoleRevoked,
  type ForumUpdated,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

export interface RoleView {
  userId: string;
  username: string;
  role: ForumRole;
  grantedBy: string;
  createdAt: string;
}

/** The forum, when the credential may manage its roles (an owner, or the admin). */
export async function rolesForum(s: Services, cred: Credential, slug: string): Promise<Forum> {
  const forum = await getForum(s, slug);
  requireRoleManager(cred, forum.id);
  return forum;
}

/** The forum's roles, owners first, and when its shared key was last used (null: not since it was recorded). */
export async function listRoles(s: Services, cred: Credential, slug: string): Promise<{ roles: RoleView[]; moderatorKeyUsedAt: string | null }> {
  const forum = await rolesForum(s, cred, slug);
  const [roles, used] = await Promise.all([
    s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, roleSql.selectForumRoles, [forum.id]),
    s.db.exec({ area: 'forums', mode: 'read', fresh: true }, roleSql.selectModeratorKeyUse, [forum.id]),
  ]);
  const usedAt = used.rows[0]?.moderator_key_used_at as Date | null | undefined;
  return {
    roles: roles.rows.map((r) => ({ ...roleView(roleSql.roleFromRow(r)), username: r.username as string })),
    moderatorKeyUsedAt: usedAt ? usedAt.toISOString() : null,
  };
}

const roleView = (r: ForumRoleRecord): Omit<RoleView, 'username'> => ({
  userId: r.userId, role: r.role, grantedBy: r.grantedBy, createdAt: r.createdAt.toISOString(),
});

/** Whoever acts: the acting account's id, when it is one (an owner acting on itself must leave an owner). */
const actingUser = (cred: Credential): string | null => (cred.kind === 'user' ? cred.user.id : null);

export interface RoleGrant {
  forumId: string;
  userId: string;
  role: ForumRole;
  /** who does it (the event's actor) */
  actor: string;
  /** who the role is from (the inviter, for an invitation); default: the actor */
  grantedBy?: string;
  /** the change must leave the forum an owner (an owner demoting itself) */
  keepAnOwner: boolean;
}

/**
 * Gives an account a role in the forum, or changes the one it has; the same role again changes
 * nothing (no event). Runs in the caller's accounts transaction.
 */
export async function grantRoleIn(ex: Executor, g: RoleGrant): Promise<ForumRoleRecord> {
  const grantedBy = g.grantedBy ?? g.actor;
  for (let attempt = 0; attempt < 2; attempt++) {
    const { rows } = await ex.query(roleSql.grantRole, [g.forumId, g.userId, g.role, grantedBy, g.keepAnOwner]);
    if (rows.length) {
      const granted = roleSql.roleFromRow(rows[0]);
      await appendEvent(ex, { forumId: g.forumId, actor: g.actor, event: makeEvent<ForumRoleGranted>('ForumRoleGranted', granted) });
      return granted;
    }
    const current = (await ex.query(roleSql.selectRole, [g.forumId, g.userId])).rows[0];
    if (!current || current.sso_forum_id !== null) throw new ParleyError('account_not_found', { details: { userId: g.userId } });
    if (current.role === g.role) return { forumId: g.forumId, userId: g.userId, role: g.role, grantedBy, createdAt: new Date() };
    if (current.role === 'owner' && g.keepAnOwner) throw new ParleyError('last_owner');
    // the role changed between the two statements: once more against what is there now
  }
  throw new ParleyError('invalid_transition', { message: 'The role changed at the same moment; list the roles and try again.' });
}

export async function grantRole(s: Services, cred: Credential, slug: string, userId: string, role: ForumRole): Promise<ForumRoleRecord> {
  checkId(userId, 'user id');
  const forum = await rolesForum(s, cred, slug);
  const grant = { forumId: forum.id, userId, role, actor: actorLabel(actorOf(cred)), keepAnOwner: mustKeepAnOwner(actingUser(cred), userId) };
  return s.db.tx({ area: 'accounts' }, (ex) => grantRoleIn(ex, grant));
}

/**
 * Removes an account's role. Owners and the admin remove anyone's; any account may step down
 * itself; the last owner may not leave the forum without one (`last_owner`).
 */
export async function revokeRole(s: Services, cred: Credential, slug: string, userId: string): Promise<void> {
  checkId(userId, 'user id');
  const forum = await getForum(s, slug);
  if (!(cred.kind === 'user' && cred.user.id === userId && cred.roles.has(forum.id))) requireRoleManager(cred, forum.id);
  const actor = actorLabel(actorOf(cred));
  const keep = mustKeepAnOwner(actingUser(cred), userId);
  await s.db.tx({ area: 'accounts' }, async (ex) => {
    const { rows } = await ex.query(roleSql.revokeRole, [forum.id, userId, keep]);
    if (rows.length === 0) {
      const current = (await ex.query(roleSql.selectRole, [forum.id, userId])).rows[0];
      if (current?.role === 'owner' && keep) throw new ParleyError('last_owner');
      throw new ParleyError('role_not_found', { details: { userId } });
    }
    await appendEvent(ex, { forumId: forum.id, actor, event: makeEvent<ForumRoleRevoked>('ForumRoleRevoked', roleSql.roleFromRow(rows[0])) });
  });
}

/**
 * A new shared moderator key (owners and the admin): the old one stops matching in the same
 * statement, and this process forgets the forum at once; other processes' forum caches keep the
 * old key for at most their TTL (5 s). The new key is answered once and never logged.
 */
export async function rotateModeratorKey(s: Services, cred: Credential, slug: string): Promise<string> {
  const current = await rolesForum(s, cred, slug);
  const key = newToken('moderator');
  const rotated = await s.db.tx({ area: 'forums' }, async (ex) => {
    const { rows } = await ex.query(roleSql.setModeratorKey, [current.id, hashToken(key)]);
    if (rows.length === 0) throw new ParleyError('forum_not_found');
    const forum = forumFromRow(rows[0]);
    await appendEvent(ex, { forumId: forum.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ForumUpdated>('ForumUpdated', forum) });
    return { forum, oldKeyHash: rows[0].old_key_hash as Buffer };
  });
  await Promise.all([s.forums.forget(rotated.forum), s.forums.forgetModeratorKey(rotated.oldKeyHash)]);
  return key;
}
