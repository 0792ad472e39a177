// A forum's own OpenID Connect provider (optional, set by its moderators): it signs in the forum's
// own users, as the forum's site does by single sign-on, and only there. Its client secret is read
// fresh from the forums primary at each use and never sent, cached or logged.
import { actorOf, FORUM_PROVIDER_ID, requireManager, type Credential, type OidcClients, type OidcIdentity, type OidcProvider } from '@parley/access';
import { appendEvent, checkWebhookTarget, forumFromRow, identitySql, userFromRow, userSql, type Executor } from '@parley/data';
import { actorLabel, makeEvent, ParleyError, type Forum, type ForumUpdated, type User, type UserRegistered, type UserUpdated } from '@parley/domain';
import type { OidcForumProviderBody } from '../schemas.ts';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

/**
 * A forum's own provider (PUT /v1/forums/:slug/oidc), its secret read fresh from the forums
 * primary (never cached): it signs in the forum's own users.
 */
export async function forumProvider(s: Services, forum: Forum): Promise<OidcProvider> {
  const { rows } = await s.db.exec({ area: 'forums', mode: 'write' }, identitySql.selectForumProvider, [forum.id]);
  const r = rows[0];
  if (!r?.oidc_issuer) throw new ParleyError('oidc_provider_not_found', { message: 'This forum has no sign-in provider of its own; its moderators can set one (PUT /v1/forums/:slug/oidc).', details: { forum: forum.slug } });
  return {
    id: FORUM_PROVIDER_ID,
    name: (r.oidc_name as string | null) ?? forum.name,
    issuer: r.oidc_issuer as string,
    clientId: r.oidc_client_id as string,
    ...(r.oidc_client_secret ? { clientSecret: r.oidc_client_secret as string } : {}),
    forumId: forum.id,
  };
}

/** The providers a forum's widget shows: the operator's, then the forum's own. */
export async function listProviders(s: Services, oidc: OidcClients, slug: string | undefined): Promise<{ id: string; name: string }[]> {
  const list = oidc.list();
  if (slug === undefined) return list;
  const forum = await getForum(s, slug);
  // every widget load asks: a replica answers, and the secret is not read
  const { rows } = await s.db.exec({ area: 'forums', mode: 'read' }, identitySql.selectForumProviderName, [forum.id]);
  return rows[0]?.configured ? [...list, { id: FORUM_PROVIDER_ID, name: (rows[0].oidc_name as string | null) ?? forum.name }] : list;
}

/**
 * A forum's provider signs in the forum's own user, as its site's SSO does: named by the provider's
 * name, kept up to date, and unknown to other forums. Its SSO id names the issuer and the subject
 * (with spaces, which no site's user id of remote_auth_s3 or a JWT `sub` is expected to hold).
 */
export async function forumUser(ex: Executor, forumId: string, id: OidcIdentity): Promise<User> {
  const ssoId = `oidc ${id.issuer} ${id.subject}`;
  const name = id.name ?? id.preferredUsername ?? 'Reader';
  const changed = await ex.query(userSql.upsertSsoUser, [name, id.email ?? '', forumId, ssoId, id.picture ?? null, null]);
  const row = changed.rows[0] ?? (await ex.query(userSql.selectSsoUser, [forumId, ssoId])).rows[0];
  const user = userFromRow(row);
  if (changed.rows.length) {
    const event = row.inserted ? makeEvent<UserRegistered>('UserRegistered', user) : makeEvent<UserUpdated>('UserUpdated', user);
    await appendEvent(ex, { forumId: null, actor: actorLabel({ kind: 'user', userId: user.id }), event });
  }
  return user;
}

export interface ForumProviderView {
  id: typeof FORUM_PROVIDER_ID;
  name: string;
  issuer: string;
  clientId: string;
}

/**
 * Sets (or, with null, removes) the forum's own provider; its moderators only. The issuer must be
 * an https URL (http too with PARLEY_OIDC_ALLOW_HTTP) whose host is not on the server's own
 * network (checked now, and again at every connection).
 */
export async function setForumProvider(s: Services, cred: Credential, slug: string, body: OidcForumProviderBody | null): Promise<ForumProviderView | null> {
  const current = await getForum(s, slug);
  requireManager(cred, current.id);
  if (body) await checkIssuer(s, body.issuer);
  await s.db.tx({ area: 'forums' }, async (ex) => {
    const values = body ? [body.issuer, body.clientId, body.clientSecret ?? null, body.name ?? null] : [null, null, null, null];
    const { rows } = await ex.query(identitySql.setForumProvider, [current.id, ...values]);
    if (rows.length === 0) throw new ParleyError('forum_not_found');
    await appendEvent(ex, { forumId: current.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ForumUpdated>('ForumUpdated', forumFromRow(rows[0])) });
  });
  return body ? { id: FORUM_PROVIDER_ID, name: body.name ?? current.name, issuer: body.issuer, clientId: body.clientId } : null;
}

async function checkIssuer(s: Services, issuer: string): Promise<void> {
  const url = URL.parse(issuer);
  const field = { field: 'body.issuer' };
  if (!url || !(url.protocol === 'https:' || (s.config.oidcAllowHttp && url.protocol === 'http:')) || url.search || url.hash) {
    throw new ParleyError('invalid_field', { message: 'issuer must be the provider\'s https URL (its OpenID Connect issuer identifier).', details: field });
  }
  try {
    await checkWebhookTarget(url, s.config.oidcAllowHttp);
  } catch (err) {
    throw new ParleyError('invalid_field', { message: `issuer cannot be used: ${(err as Error).message}.`, details: field });
  }
}
