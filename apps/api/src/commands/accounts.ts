// A signed-in user's own account (read it, change the profile, resend the verification), and the
// two mailed links: verify the address, reset the password. Every change is one accounts
// transaction: the conditional UPDATE, its event with the actor, and any mail it calls for.
import { hashPassword, hashToken, newToken, verifyPassword, type Credential } from '@parley/access';
import { accountSql, appendEvent, userFromRow, userSql, type Executor } from '@parley/data';
import {
  checkAvatarUrl,
  checkDisplayName,
  checkEmail,
  checkPassword,
  makeEvent,
  ParleyError,
  actorLabel,
  userView,
  type Actor,
  type User,
  type UserEmailVerified,
  type PasswordResetRequested,
  type UserPasswordReset,
  type UserUpdated,
  type UserView,
} from '@parley/domain';
import type { Services } from '../services.ts';
import type { AccountTokenBody, PasswordResetConfirmBody, ProfilePatch } from '../schemas.ts';
import { checkAccountToken, redeemAccountToken, requestAccountEmail } from './account-email.ts';

export interface AccountView {
  user: UserView;
  email: string;
  sso: boolean;
}

function signedInUser(cred: Credential): User {
  if (cred.kind !== 'user') throw new ParleyError('unauthorized', { message: 'This needs a user token (sign in first).' });
  return cred.user;
}

const own = (user: User): Actor => ({ kind: 'user', userId: user.id });

const accountView = (row: Record<string, unknown>): AccountView => {
  const user = userFromRow(row);
  return { user: userView(user), email: row.email as string, sso: user.ssoForumId !== undefined };
};

/** Mails a verification link to the account's address; earlier links of that kind stop working. */
export async function sendVerification(s: Services, ex: Executor, user: { id: string; username: string }, email: string): Promise<void> {
  await ex.query(accountSql.expireTokens, [user.id, 'verify_email']);
  await requestAccountEmail(ex, {
    kind: 'verify_email',
    userId: user.id,
    email,
    name: user.username,
    ttlSeconds: s.config.verifyEmailTtlHours * 3600,
    actor: { kind: 'user', userId: user.id },
  });
}

export async function getAccount(s: Services, cred: Credential): Promise<AccountView> {
  const user = signedInUser(cred);
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, accountSql.selectAccount, [user.id]);
  if (rows.length === 0) throw new ParleyError('unauthorized', { message: 'That token is not valid (or has expired).' });
  return accountView(rows[0]);
}

/** Display name, avatar, email (with the current password; the new address must be verified again). */
export async function updateProfile(s: Services, cred: Credential, body: ProfilePatch): Promise<AccountView> {
  const user = signedInUser(cred);
  if (user.ssoForumId !== undefined) throw new ParleyError('sso_profile_readonly');
  const displayName = body.displayName !== undefined ? checkDisplayName(body.displayName) : undefined;
  const avatarUrl = body.avatarUrl !== undefined ? checkAvatarUrl(body.avatarUrl) : undefined;
  const email = body.email !== undefined ? checkEmail(body.email.trim()) : null;
  if (displayName === undefined && avatarUrl === undefined && email === null) return getAccount(s, cred);
  if (email !== null) {
    // a stolen session must not be enough to take the account over by its address
    if (!body.currentPassword) throw new ParleyError('password_required');
    const { rows } = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, accountSql.selectPasswordHash, [user.id]);
    if (!(await verifyPassword(body.currentPassword, rows[0]?.password_hash as string | undefined))) {
      throw new ParleyError('invalid_credentials', { message: 'That is not your current password.' });
    }
  }
  const row = await s.db.tx({ area: 'accounts' }, async (ex) => {
    const { rows } = await ex.query(accountSql.updateProfile, [user.id, displayName !== undefined, displayName ?? null, avatarUrl !== undefined, avatarUrl ?? null, email]);
    if (rows.length === 0) throw new ParleyError('sso_profile_readonly');
    const updated = userFromRow(rows[0]);
    await appendEvent(ex, { forumId: null, actor: actorLabel(own(user)), event: makeEvent<UserUpdated>('UserUpdated', updated) });
    if (email !== null && !updated.emailVerified) await sendVerification(s, ex, updated, rows[0].email as string);
    return rows[0];
  });
  return accountView(row);
}

/** Another verification mail, unless the address is proven already (then nothing is sent). */
export async function resendVerification(s: Services, cred: Credential): Promise<void> {
  const account = await getAccount(s, cred);
  if (account.sso) throw new ParleyError('sso_profile_readonly');
  if (account.user.emailVerified) return;
  await s.db.tx({ area: 'accounts' }, (ex) => sendVerification(s, ex, account.user, account.email));
}

export async function verifyEmail(s: Services, body: AccountTokenBody): Promise<User> {
  // a forged link opens no transaction
  checkAccountToken(s.config, 'verify_email', body.token);
  return s.db.tx({ area: 'accounts' }, async (ex) => {
    const link = await redeemAccountToken(ex, s.config, 'verify_email', body.token);
    // the account changed its address since: this link proves the old one only
    const { rows } = await ex.query(accountSql.markEmailVerified, [link.userId, link.email]);
    if (rows.length === 0) throw new ParleyError('invalid_account_token', { message: 'This link was for an address the account no longer has; verify the new one from its own email.' });
    const user = userFromRow(rows[0]);
    await appendEvent(ex, { forumId: null, actor: actorLabel(own(user)), event: makeEvent<UserEmailVerified>('UserEmailVerified', user) });
    return user;
  });
}

/**
 * Records a reset request before it is answered, so a crash after the 202 loses nothing: one
 * event carrying only the address, the same single write whatever the address (no account
 * enumeration, by content or by timing). The worker looks the accounts up and mails the links
 * (apps/worker/src/email/password-resets.ts).
 */
export async function requestPasswordReset(s: Services, email: string): Promise<void> {
  await s.db.tx({ area: 'accounts' }, (ex) =>
    appendEvent(ex, { forumId: null, actor: actorLabel({ kind: 'public' }), event: makeEvent<PasswordResetRequested>('PasswordResetRequested', { email }) }),
  );
}

/** A new password by a reset link: every session ends, every other reset link too; a new session is returned. */
export async function confirmPasswordReset(s: Services, body: PasswordResetConfirmBody): Promise<{ user: User; token: string }> {
  // a forged link costs no password hash
  checkAccountToken(s.config, 'password_reset', body.token);
  const passwordHash = await hashPassword(checkPassword(body.password));
  const token = newToken('user');
  const user = await s.db.tx({ area: 'accounts' }, async (ex) => {
    const link = await redeemAccountToken(ex, s.config, 'password_reset', body.token);
    const { rows } = await ex.query(accountSql.resetPassword, [link.userId, passwordHash, link.email]);
    if (rows.length === 0) throw new ParleyError('invalid_account_token', { message: 'This link was sent to an address the account no longer has; ask for a new one at its current address.' });
    const user = userFromRow(rows[0]);
    await ex.query(accountSql.expireTokens, [user.id, 'password_reset']);
    await ex.query(userSql.deleteSessions, [user.id]);
    await ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]);
    await appendEvent(ex, { forumId: null, actor: actorLabel(own(user)), event: makeEvent<UserPasswordReset>('UserPasswordReset', user) });
    return user;
  });
  return { user, token };
}
