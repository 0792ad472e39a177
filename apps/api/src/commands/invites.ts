// Invitations to a forum role, by email. An owner (or the admin) names an address and a role; the
// address gets a one-time link (an account email of kind `forum_invite`: packages/domain
// account-email.ts), and whoever opens it and accepts while signed in with a Parley account holds
// the role. The link works once and expires (PARLEY_FORUM_INVITE_TTL_HOURS). An invitation is
// never a demotion: an owner who accepts a moderator's invitation stays owner.
import { actorOf, type Credential } from '@parley/access';
import { appendEvent, inviteSql } from '@parley/data';
import {
  actorLabel,
  checkEmail,
  isForumRole,
  makeEvent,
  mustKeepAnOwner,
  ParleyError,
  type ForumInviteCancelled,
  type ForumRole,
  type ForumRoleRecord,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { redeemAccountToken, requestAccountEmail } from './account-email.ts';
import { grantRoleIn, rolesForum } from './roles.ts';

export interface InviteView {
  email: string;
  role: ForumRole;
  expiresAt: string;
}

export async function inviteToForum(s: Services, cred: Credential, slug: string, body: { email: string; role: ForumRole }): Promise<InviteView> {
  const forum = await rolesForum(s, cred, slug);
  const email = checkEmail(body.email);
  const actor = actorOf(cred);
  const logged = await s.db.tx({ area: 'accounts' }, (ex) => requestAccountEmail(ex, {
    kind: 'forum_invite',
    userId: null,
    email,
    name: email,
    ttlSeconds: s.config.forumInviteTtlHours * 3600,
    actor,
    forumId: forum.id,
    // what the link grants, read back when it is used; the inviter becomes the role's grantedBy
    data: { forumId: forum.id, role: body.role, invitedBy: actorLabel(actor) },
    details: { forum: forum.name, role: body.role },
  }));
  return { email, role: body.role, expiresAt: logged.event.snapshot.expiresAt.toISOString() };
}

/** Uses an invitation's link: the signed-in account gets its role, in the same transaction as the link's single use. */
export async function acceptInvite(s: Services, cred: Credential, token: string): Promise<ForumRoleRecord> {
  if (cred.kind !== 'user') throw new ParleyError('unauthorized', { message: 'Sign in with your Parley account to accept the invitation.' });
  const user = cred.user;
  if (user.ssoForumId !== undefined) throw new ParleyError('forbidden', { message: "A user a forum's site signed in holds no roles; sign in with a Parley account to accept." });
  return s.db.tx({ area: 'accounts' }, async (ex) => {
    const { data } = await redeemAccountToken(ex, s.config, 'forum_invite', token);
    const role = data.role;
    if (!isForumRole(role) || typeof data.forumId !== 'string') throw new ParleyError('invalid_account_token');
    const actor = actorLabel(actorOf(cred));
    if (role === 'moderator' && cred.roles.get(data.forumId) === 'owner') {
      return { forumId: data.forumId, userId: user.id, role: 'owner', grantedBy: actor, createdAt: new Date() };
    }
    return grantRoleIn(ex, {
      forumId: data.forumId, userId: user.id, role, actor, grantedBy: data.invitedBy ?? actor, keepAnOwner: mustKeepAnOwner(user.id, user.id),
    });
  });
}

/** How many invitations a list shows at most (the newest). */
export const INVITE_LIST_LIMIT = 200;

export type InviteStatus = 'pending' | 'accepted' | 'cancelled' | 'expired';

export interface InviteListEntry extends InviteView {
  /** the invitation's public id (a digest of its row id, never the link) */
  id: string;
  invitedBy: string;
  status: InviteStatus;
  createdAt: string;
}

const inviteOfRow = (r: Record<string, unknown>, now: number): InviteListEntry => {
  const expiresAt = r.expires_at as Date;
  const status: InviteStatus = r.cancelled_at ? 'cancelled' : r.used_at ? 'accepted' : expiresAt.getTime() <= now ? 'expired' : 'pending';
  return {
    id: (r.public_id as Buffer).toString('base64url'),
    email: r.email as string,
    role: r.role as ForumRole,
    invitedBy: (r.invited_by as string | null) ?? 'admin',
    status,
    createdAt: (r.created_at as Date).toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
};

/** The forum's invitations, newest first, for its owners and the admin; never their links. */
export async function listInvites(s: Services, cred: Credential, slug: string): Promise<InviteListEntry[]> {
  const forum = await rolesForum(s, cred, slug);
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, inviteSql.selectForumInvites, [forum.id, INVITE_LIST_LIMIT]);
  const now = Date.now();
  return rows.map((r) => inviteOfRow(r, now));
}

/** Cancels an open invitation: its link is refused from now on. One statement and its event, in one transaction. */
export async function cancelInvite(s: Services, cred: Credential, slug: string, id: string): Promise<void> {
  const forum = await rolesForum(s, cred, slug);
  const bytes = Buffer.from(id, 'base64url');
  if (bytes.length !== inviteSql.INVITE_ID_BYTES || bytes.toString('base64url') !== id) throw new ParleyError('invite_not_found', { details: { id: id.slice(0, 40) } });
  await s.db.tx({ area: 'accounts' }, async (ex) => {
    const { rows } = await ex.query(inviteSql.cancelInvite, [forum.id, bytes]);
    if (rows.length === 0) throw new ParleyError('invite_not_found', { details: { id } });
    const snapshot = { forumId: forum.id, inviteId: id, role: rows[0].role as ForumRole };
    await appendEvent(ex, { forumId: forum.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ForumInviteCancelled>('ForumInviteCancelled', snapshot) });
  });
}
