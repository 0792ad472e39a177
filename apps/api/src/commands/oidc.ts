// Sign-in with an OpenID Connect provider the operator configured; it signs in a Parley account,
// in a popup (the session goes to the widget's frame by postMessage) or by redirect (the page
// comes back with a one-time code that the frame redeems).
// Start: PKCE verifier, state and nonce are made here and kept server-side in a flow row (named by
// the state's hash) that lives a few minutes; the browser that started gets an HttpOnly cookie
// whose hash the row holds. Callback: the row is deleted by the statement that reads it (a callback
// works once), the cookie must match (a callback URL carried to another browser finds nothing),
// then the code is exchanged and the ID token checked by openid-client. The account is found by
// (issuer, subject) only, never by email; it is created or brought up to date with its event and a
// new session in one accounts transaction.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { FORUM_PROVIDER_ID, hashToken, newOidcChecks, newToken, type OidcClients, type OidcIdentity, type OidcProvider } from '@parley/access';
import { appendEvent, identitySql, userFromRow, userSql, type Executor } from '@parley/data';
import { actorLabel, makeEvent, ParleyError, type Forum, type User, type UserRegistered, type UserUpdated } from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';
import { forumProvider, forumUser } from './oidc-forum.ts';

export type OidcMode = 'popup' | 'redirect';

/** how long the one-time code of redirect mode waits to be redeemed */
const HANDOFF_SECONDS = 60;

export interface StartedFlow {
  /** the provider's authorization URL, with the flow's checks */
  url: string;
  /** the cookie binding the flow to this browser: its name and value */
  cookie: { name: string; value: string };
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** One cookie per flow (a reader may have two sign-in windows open), named by its state's hash. */
export const flowCookieName = (state: string): string => `parley_oidc_${sha256(`cookie:${state}`).subarray(0, 9).toString('base64url')}`;

const providerOf = (s: Services, oidc: OidcClients, id: string, forum: Forum): Promise<OidcProvider> | OidcProvider =>
  id === FORUM_PROVIDER_ID ? forumProvider(s, forum) : oidc.provider(id);

export async function startOidc(s: Services, oidc: OidcClients, providerId: string, q: { forum: string; mode: OidcMode; returnTo?: string }): Promise<StartedFlow> {
  if (providerId !== FORUM_PROVIDER_ID) oidc.provider(providerId);
  const forum = await getForum(s, q.forum);
  const provider = await providerOf(s, oidc, providerId, forum);
  const returnTo = q.mode === 'redirect' ? checkReturnTo(forum, q.returnTo) : null;
  const checks = newOidcChecks();
  // the provider is asked first: when it is away the reader is told so and nothing is stored
  const url = await oidc.authorizationUrl(provider, checks);
  const browser = randomBytes(32).toString('base64url');
  await s.db.exec({ area: 'accounts', mode: 'write' }, identitySql.insertFlow, [
    sha256(checks.state), sha256(browser), provider.id, forum.id, q.mode, checks.codeVerifier, checks.nonce, returnTo, s.config.oidcFlowSeconds,
  ]);
  // abandoned flows are swept by the starts that follow, a batch at a time (no job needed)
  await s.db.exec({ area: 'accounts', mode: 'write' }, identitySql.deleteStaleFlows);
  return { url, cookie: { name: flowCookieName(checks.state), value: browser } };
}

/**
 * Redirect mode comes back only to a page of an origin the forum lists: the return carries a code
 * that signs its bearer in, so an unlisted page (or a forum open to any origin) could be anyone's.
 */
function checkReturnTo(forum: Forum, returnTo: string | undefined): string {
  if (!returnTo) throw new ParleyError('missing_field', { message: 'Redirect mode needs returnTo: the URL of the page to come back to.', details: { field: 'querystring.returnTo' } });
  const url = URL.parse(returnTo);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ParleyError('invalid_field', { message: 'returnTo must be an absolute http or https URL.', details: { field: 'querystring.returnTo' } });
  }
  if (!forum.settings.allowedOrigins.includes(url.origin)) {
    throw new ParleyError('origin_not_allowed', {
      message: 'Redirect mode returns only to pages on the forum\'s allowedOrigins (a forum that lists none signs in by popup only).',
      details: { origin: url.origin.slice(0, 200) },
    });
  }
  return url.href;
}

/** The host page's URL with the result in its fragment (never sent to a server, nor in a Referer). */
function backTo(returnTo: string, result: Record<string, string>): string {
  const url = new URL(returnTo);
  url.hash = new URLSearchParams(result).toString();
  return url.href;
}

export type FinishedFlow = { /** the flow's cookie, to clear */ cookie: string } & (
  | { mode: 'popup'; user: User; token: string }
  /** back to the host page: `#parley_oidc=<code>` to redeem, or `#parley_oidc_error=<error code>` */
  | { mode: 'redirect'; location: string }
);

/**
 * The provider sent the reader back. `query` is the callback's query string as received (the
 * provider's parameters, checked by openid-client); `cookies` the request's cookies.
 */
export async function finishOidc(s: Services, oidc: OidcClients, providerId: string, query: string, cookies: Record<string, string | undefined>): Promise<FinishedFlow> {
  if (providerId !== FORUM_PROVIDER_ID) oidc.provider(providerId);
  const state = new URLSearchParams(query).get('state');
  if (!state || state.length > 512) throw new ParleyError('oidc_state_invalid');
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'write' }, identitySql.takeFlow, [sha256(state)]);
  const flow = rows[0];
  const browser = cookies[flowCookieName(state)];
  if (!flow || flow.provider !== providerId || !browser || !timingSafeEqual(sha256(browser), flow.browser_hash as Buffer)) {
    throw new ParleyError('oidc_state_invalid');
  }
  const cookie = flowCookieName(state);
  const returnTo = flow.return_to as string | null;
  try {
    if (!flow.live) throw new ParleyError('oidc_flow_expired');
    const forum = await s.forums.byId(flow.forum_id as string);
    if (!forum) throw new ParleyError('forum_not_found');
    const provider = await providerOf(s, oidc, providerId, forum);
    const identity = await oidc.exchange(provider, query, { state, nonce: flow.nonce as string, codeVerifier: flow.code_verifier as string });
    if (returnTo === null) {
      const token = newToken('user');
      const user = await signIn(s, provider, identity, (ex, user) => ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]));
      return { mode: 'popup', cookie, user, token };
    }
    const code = randomBytes(32).toString('base64url');
    await signIn(s, provider, identity, (ex, user) => ex.query(identitySql.insertHandoff, [sha256(code), user.id, HANDOFF_SECONDS]));
    return { mode: 'redirect', cookie, location: backTo(returnTo, { parley_oidc: code }) };
  } catch (err) {
    // redirect mode: the page the reader came from says what went wrong
    if (returnTo !== null && err instanceof ParleyError) return { mode: 'redirect', cookie, location: backTo(returnTo, { parley_oidc_error: err.code }) };
    throw err;
  }
}

/** Redirect mode: the widget's session frame trades the code from the page's fragment for a session, once. */
export async function redeemOidc(s: Services, code: string): Promise<{ user: User; token: string }> {
  const token = newToken('user');
  const user = await s.db.tx({ area: 'accounts' }, async (ex) => {
    const { rows } = await ex.query(identitySql.takeHandoff, [sha256(code)]);
    if (!rows.length) throw new ParleyError('oidc_code_invalid');
    const user = userFromRow(rows[0]);
    await ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]);
    return user;
  });
  return { user, token };
}

/**
 * The account of this identity, created or brought up to date with its event, and what the mode
 * hands over (a session, or a code to redeem for one), in one accounts transaction.
 */
async function signIn(s: Services, provider: OidcProvider, id: OidcIdentity, handOver: (ex: Executor, user: User) => Promise<unknown>): Promise<User> {
  const attempt = () => s.db.tx({ area: 'accounts' }, async (ex) => {
    const user = await identityUser(ex, provider, id);
    await handOver(ex, user);
    return user;
  });
  try {
    return await attempt();
  } catch (err) {
    // the same new identity signed in twice at once: the other transaction created the account
    if (!(err instanceof LinkedMeanwhile)) throw err;
    return attempt();
  }
}

/** Rolls back an account made for an identity that another sign-in linked first. */
class LinkedMeanwhile extends Error {}

async function identityUser(ex: Executor, provider: OidcProvider, id: OidcIdentity): Promise<User> {
  if (provider.forumId !== undefined) return forumUser(ex, provider.forumId, id);
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
  const linked = await ex.query(identitySql.insertIdentity, [id.issuer, id.subject, user.id, provider.id, ...profile]);
  if (!linked.rows.length) throw new LinkedMeanwhile();
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
