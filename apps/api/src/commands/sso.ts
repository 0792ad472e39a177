// Single sign-on with the forum's own site, Disqus-compatible (remote_auth_s3). The forum's
// secret is read fresh from the forums primary (it is never cached, sent or logged); the user
// is the forum's own, created or brought up to date in one statement, with its event and a new
// session in the same accounts transaction.
import { randomBytes } from 'node:crypto';
import { actorOf, hashToken, newToken, requireManager, verifyDisqusSso, verifySsoJwt, type Credential, type SsoIdentity } from '@parley/access';
import { appendEvent, forumFromRow, forumSql, userFromRow, userSql } from '@parley/data';
import { actorLabel, makeEvent, ParleyError, type Forum, type ForumUpdated, type User, type UserRegistered, type UserUpdated } from '@parley/domain';
import type { Services } from '../services.ts';
import type { DisqusSsoBody, JwtSsoBody } from '../schemas.ts';
import { getForum } from './forums.ts';

/** The forum's SSO secret, read fresh from the forums primary (never cached). */
async function ssoSecret(s: Services, forum: Forum): Promise<string | null> {
  const { rows } = await s.db.exec({ area: 'forums', mode: 'write' }, forumSql.selectSsoSecret, [forum.id]);
  return (rows[0]?.sso_secret as string | null | undefined) ?? null;
}

export async function disqusSso(s: Services, body: DisqusSsoBody, nowSeconds = Math.floor(Date.now() / 1000)): Promise<{ user: User; token: string } | { user: null; token: null }> {
  const forum = await getForum(s, body.forum);
  const secret = await ssoSecret(s, forum);
  if (!secret) throw new ParleyError('sso_not_configured', { details: { forum: forum.slug } });
  const sso = verifyDisqusSso(body.remoteAuth, secret, nowSeconds, s.config.ssoWindowSeconds);
  if (sso.kind === 'logout') return { user: null, token: null };
  return signIn(s, forum, sso.user);
}

/** A site's JWT (HS256 with the forum's secret, or RS256 / ES256 by its JWKS): the same user and session as remote_auth_s3 gives. */
export async function jwtSso(s: Services, body: JwtSsoBody): Promise<{ user: User; token: string }> {
  const forum = await getForum(s, body.forum);
  const identity = await verifySsoJwt(body.token, {
    secret: await ssoSecret(s, forum),
    jwksUrl: forum.settings.ssoJwksUrl,
    audience: forum.settings.ssoAudience ?? forum.slug,
    allowHttpJwks: s.config.ssoJwksAllowHttp,
  });
  return signIn(s, forum, identity);
}

/** The forum's own user for the site's identity, created or brought up to date, with its event and a new session. */
async function signIn(s: Services, forum: Forum, identity: SsoIdentity): Promise<{ user: User; token: string }> {
  const { id, username, email, avatar, url } = identity;
  const token = newToken('user');
  const user = await s.db.tx({ area: 'accounts' }, async (ex) => {
    const changed = await ex.query(userSql.upsertSsoUser, [username, email, forum.id, id, avatar ?? null, url ?? null]);
    const row = changed.rows[0] ?? (await ex.query(userSql.selectSsoUser, [forum.id, id])).rows[0];
    const user = userFromRow(row);
    if (changed.rows.length) {
      const event = row.inserted ? makeEvent<UserRegistered>('UserRegistered', user) : makeEvent<UserUpdated>('UserUpdated', user);
      await appendEvent(ex, { forumId: null, actor: actorLabel({ kind: 'user', userId: user.id }), event });
    }
    await ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]);
    return user;
  });
  return { user, token };
}

/** A new SSO secret for the forum (its moderators only): the previous one stops working at once. */
export async function rotateSsoSecret(s: Services, cred: Credential, slug: string): Promise<string> {
  const current = await getForum(s, slug);
  requireManager(cred, current.id);
  const secret = `sso_${randomBytes(32).toString('base64url')}`;
  await s.db.tx({ area: 'forums' }, async (ex) => {
    const { rows } = await ex.query(forumSql.setSsoSecret, [current.id, secret]);
    if (rows.length === 0) throw new ParleyError('forum_not_found');
    await appendEvent(ex, { forumId: current.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ForumUpdated>('ForumUpdated', forumFromRow(rows[0])) });
  });
  return secret;
}
