// Sign-in with an OpenID Connect provider the operator configured; it signs in a Parley account.
// Start: PKCE verifier, state and nonce are made here and kept server-side in a flow row (named by
// the state's hash) that lives a few minutes; the browser that started gets an HttpOnly cookie
// whose hash the row holds. Callback: the row is deleted by the statement that reads it (a callback
// works once), the cookie must match (a callback URL carried to another browser finds nothing),
// then the code is exchanged and the ID token checked by openid-client. The account is found by
// (issuer, subject) only, never by email; it is created or brought up to date with its event and a
// new session in one accounts transaction.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { hashToken, newOidcChecks, newToken, type OidcClients, type OidcIdentity, type OidcProvider } from '@parley/access';
import { appendEvent, identitySql, userFromRow, userSql, type Executor } from '@parley/data';
import { actorLabel, makeEvent, ParleyError, type User, type UserRegistered, type UserUpdated } from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

export type OidcMode = 'popup';

export interface StartedFlow {
  /** the provider's authorization URL, with the flow's checks */
  url: string;
  /** the cookie binding the flow to this browser: its name and value */
  cookie: { name: string; value: string };
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** One cookie per flow (a reader may have two sign-in windows open), named by its state's hash. */
export const flowCookieName = (state: string): string => `parley_oidc_${sha256(`cookie:${state}`).subarray(0, 9).toString('base64url')}`;

export async function startOidc(s: Services, oidc: OidcClients, providerId: string, q: { forum: string; mode: OidcMode }): Promise<StartedFlow> {
  const provider = oidc.provider(providerId);
  const forum = await getForum(s, q.forum);
  const checks = newOidcChecks();
  // the provider is asked first: when it is away the reader is told so and nothing is stored
  const url = await oidc.authorizationUrl(provider, checks);
  const browser = randomBytes(32).toString('base64url');
  await s.db.exec({ area: 'accounts', mode: 'write' }, identitySql.insertFlow, [
    sha256(checks.state), sha256(browser), provider.id, forum.id, q.mode, checks.codeVerifier, checks.nonce, null, s.config.oidcFlowSeconds,
  ]);
  // abandoned flows are swept by the starts that follow, a batch at a time (no job needed)
  await s.db.exec({ area: 'accounts', mode: 'write' }, identitySql.deleteStaleFlows);
  return { url, cookie: { name: flowCookieName(checks.state), value: browser } };
}

export interface FinishedFlow {
  mode: OidcMode;
  /** the name of the flow's cookie, to clear */
  cookie: string;
  user: User;
  token: string;
}

/**
 * The provider sent the reader back. `query` is the callback's query string as received (the
 * provider's parameters, checked by openid-client); `cookies` the request's cookies.
 */
export async function finishOidc(s: Services, oidc: OidcClients, providerId: string, query: string, cookies: Record<string, string | undefined>): Promise<FinishedFlow> {
  const provider = oidc.provider(providerId);
  const state = new URLSearchParams(query).get('state');
  if (!state || state.length > 512) throw new ParleyError('oidc_state_invalid');
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'write' }, identitySql.takeFlow, [sha256(state)]);
  const flow = rows[0];
  const browser = cookies[flowCookieName(state)];
  if (!flow || flow.provider !== provider.id || !browser || !timingSafeEqual(sha256(browser), flow.browser_hash as Buffer)) {
    throw new ParleyError('oidc_state_invalid');
  }
  if (!flow.live) throw new ParleyError('oidc_flow_expired');
  const identity = await oidc.exchange(provider, query, { state, nonce: flow.nonce as string, codeVerifier: flow.code_verifier as string });
  const { user, token } = await signIn(s, provider, identity);
  return { mode: flow.mode as OidcMode, cookie: flowCookieName(state), user, token };
}

/** The account of this identity, created or brought up to date, with its event and a new session. */
async function signIn(s: Services, provider: OidcProvider, id: OidcIdentity): Promise<{ user: User; token: string }> {
  const token = newToken('user');
  const attempt = () => s.db.tx({ area: 'accounts' }, async (ex) => {
    const user = await identityUser(ex, provider, id);
    await ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]);
    return user;
  });
  try {
    return { user: await attempt(), token };
  } catch (err) {
    // the same new identity signed in twice at once: the other transaction created the account
    if ((err as { constraint?: string }).constraint !== 'user_identities_pkey') throw err;
    return { user: await attempt(), token };
  }
}

async function identityUser(ex: Executor, provider: OidcProvider, id: OidcIdentity): Promise<User> {
  const profile = [id.email ?? null, id.name ?? null, id.picture ?? null];
  const updated = await ex.query(identitySql.updateIdentity, [id.issuer, id.subject, ...profile]);
  if (updated.rows.length) {
    const user = userFromRow(updated.rows[0]);
    await appendEvent(ex, { forumId: null, actor: actorLabel({ kind: 'user', userId: user.id }), event: makeEvent<UserUpdated>('UserUpdated', user) });
    return user;
  }
  const known = await ex.query(identitySql.selectIdentityUser, [id.issuer, id.subject]);
  if (known.rows.length) return userFromRow(known.rows[0]);

  let row: Record<string, unknown> | undefined;
  for (const username of usernames(id)) {
    row = (await ex.query(identitySql.insertIdentityUser, [username, id.email ?? '', id.name ?? null, id.picture ?? null])).rows[0];
    if (row) break;
  }
  if (!row) throw new Error('no free username for a new identity after several tries');
  const user = userFromRow(row);
  await ex.query(identitySql.insertIdentity, [id.issuer, id.subject, user.id, provider.id, ...profile]);
  await appendEvent(ex, { forumId: null, actor: actorLabel({ kind: 'user', userId: user.id }), event: makeEvent<UserRegistered>('UserRegistered', user) });
  return user;
}

/**
 * Usernames to try for a new account: the provider's handle (or name, or the address's local
 * part) made to fit the username rule, then the same with a random suffix. The person's name as
 * the provider gives it is the account's display name.
 */
export function usernames(id: Pick<OidcIdentity, 'preferredUsername' | 'name' | 'email'>): string[] {
  const source = id.preferredUsername ?? id.name ?? id.email?.split('@')[0] ?? '';
  let base = source.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[_-]+|[_-]+$/g, '').slice(0, 24);
  if (base.length < 2) base = 'reader';
  const suffix = () => randomInt(36 ** 5).toString(36).padStart(5, '0');
  return [base, ...Array.from({ length: 5 }, () => `${base}-${suffix()}`)];
}
