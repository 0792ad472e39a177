// A user deletes their account (docs/adr/0011). Re-authenticated: the password of a local
// account, or a sign-in of the last few minutes for an account without one (SSO, OpenID Connect).
// One transaction on the accounts database: the account row goes (its sessions, identities and
// roles with it, so its token answers 401 at once), with its one-time links and the mail traces of
// its address; an `erasures` row keeps the values to scrub, and `UserErased` hands the rest (the
// posts on every shard, the snapshots of the log) to the worker's erasure job.
import { verifyPassword, type Credential } from '@parley/access';
import { appendEvent, normalizeEmail, personalDataSql as sql, type Executor } from '@parley/data';
import { makeEvent, ParleyError, type UserErased } from '@parley/domain';
import type { Services } from '../services.ts';

/** An account without a password proves itself by a sign-in this recent. */
export const REAUTH_MINUTES = 10;

export interface ErasureStarted {
  id: string;
  status: 'running';
}

export async function eraseAccount(s: Services, cred: Credential, body: { password?: string } | null | undefined): Promise<ErasureStarted> {
  if (cred.kind !== 'user' || !cred.session) throw new ParleyError('unauthorized', { message: 'Deleting an account needs its user token (sign in first).' });
  const { user, session } = cred;
  const facts = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, sql.selectReauthFacts, [user.id, session, REAUTH_MINUTES]);
  if (facts.rows.length === 0) throw new ParleyError('unauthorized', { message: 'That session has ended.' });
  const stored = facts.rows[0].password_hash as string | null;
  const password = body?.password;
  if (stored !== null) {
    if (password === undefined) throw new ParleyError('reauthentication_required');
    if (!(await verifyPassword(password, stored))) throw new ParleyError('invalid_credentials', { message: 'That password is not this account\'s.' });
  } else if (facts.rows[0].recent !== true) {
    throw new ParleyError('reauthentication_required');
  }
  const id = await s.db.tx({ area: 'accounts' }, async (ex) => {
    await ex.query(sql.lockAccountTokens, [user.id]);
    const identities = await ex.query(sql.deleteIdentities, [user.id]);
    const gone = await ex.query(sql.deleteUser, [user.id]);
    // deleted meanwhile (a second request): that one erases
    if (gone.rows.length === 0) throw new ParleyError('unauthorized', { message: 'This account is already deleted.' });
    const account = gone.rows[0];
    const email = normalizeEmail(account.email as string);
    await forgetAddress(ex, user.id, email);
    const values = personalValues([account, ...identities.rows]);
    const { rows } = await ex.query(sql.insertErasure, [user.id, null, values]);
    const erasureId = String(rows[0].id);
    await appendEvent(ex, { forumId: null, actor: `user:${user.id}`, event: makeEvent<UserErased>('UserErased', { userId: user.id, erasureId }) });
    return erasureId;
  });
  return { id, status: 'running' };
}

/** The account's links and the mail traces of its address. */
async function forgetAddress(ex: Executor, userId: string, email: string): Promise<void> {
  await ex.query(sql.deleteAccountTokens, [userId, email]);
  await ex.query(sql.deleteAccountEmailLogOfUser, [userId]);
  for (const statement of sql.deleteEmailTraces) await ex.query(statement, [email]);
}

/** Every text a deleted row held (names, addresses, picture URLs), lower-cased, once each: what the snapshots must lose. */
export function personalValues(rows: Record<string, unknown>[]): string[] {
  const out = new Set<string>();
  for (const row of rows) {
    for (const v of Object.values(row)) if (typeof v === 'string' && v.trim().length > 0) out.add(v.trim().toLowerCase());
  }
  return [...out];
}
