// A user a forum's site signed in (single sign-on) takes part in that forum only, unless the admin
// links it to another: over real HTTP, unlinked it is refused in forum B (403), linked it posts and
// votes there (its session query reads the link, still one accounts query), unlinked again it is
// refused at the next request; only the admin links, and each change is an event with its actor.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { userSql } from '@parley/data';
import { ADMIN_TOKEN, overHttp, testApi } from '../../../test/harness/app.ts';
import { countQueries } from '../../../test/harness/query-count.ts';

/** what a site's server does (Disqus remote_auth_s3) */
function remoteAuth(secret: string, data: object, ts = Math.floor(Date.now() / 1000)): string {
  const message = Buffer.from(JSON.stringify(data)).toString('base64');
  return `${message} ${createHmac('sha1', secret).update(`${message} ${ts}`).digest('hex')} ${ts}`;
}

t.test("the admin links a site's user to another forum, and unlinks it", async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const a = await api.forum();
  const b = await api.forum();
  const secret = (await http('POST', `/v1/forums/${a.forum.slug}/sso-secret`, undefined, a.moderatorKey)).body.secret as string;
  const signedIn = await http('POST', '/v1/sso/disqus', { forum: a.forum.slug, remoteAuth: remoteAuth(secret, { id: 'site-7', username: 'Ada', email: 'ada@example.com' }) });
  const { token } = signedIn.body;
  const userId = signedIn.body.user.id as string;
  const threadB = await api.thread(b.forum.slug);
  const existing = (await api.post(threadB.id)).post;
  const linkPath = `/v1/admin/users/${userId}/forums/${b.forum.slug}`;

  t.equal((await http('POST', `/v1/threads/${threadB.id}/posts`, { message: 'hello B' }, token)).status, 403, 'unlinked: refused in B');
  const refusedVote = await http('PUT', `/v1/posts/${existing.id}/vote`, { value: 1 }, token);
  t.equal(refusedVote.status, 403, 'and cannot vote there', { body: refusedVote.body });

  t.equal((await http('PUT', linkPath)).status, 401, 'linking needs a credential');
  t.equal((await http('PUT', linkPath, undefined, b.moderatorKey)).status, 403, "B's key links nobody");
  t.equal((await http('PUT', linkPath, undefined, token)).status, 403, 'nor does the user itself');
  const reg = await http('POST', '/v1/users', { username: 'links-owner', email: 'owner@example.com', password: 'a long enough password' });
  await http('PUT', `/v1/forums/${b.forum.slug}/roles/${reg.body.user.id}`, { role: 'owner' }, ADMIN_TOKEN);
  t.equal((await http('PUT', linkPath, undefined, reg.body.token)).status, 403, "nor B's owner");

  const linked = await http('PUT', linkPath, undefined, ADMIN_TOKEN);
  t.equal(linked.status, 200);
  t.match(linked.body.link, { userId, forumId: b.forum.id, slug: b.forum.slug, linkedBy: 'admin' });
  t.same((await http('PUT', linkPath, undefined, ADMIN_TOKEN)).body.link, linked.body.link, 'linking again changes nothing');

  const posted = await http('POST', `/v1/threads/${threadB.id}/posts`, { message: 'hello B' }, token);
  t.equal(posted.status, 201, 'linked: posts in B');
  t.equal(posted.body.post.author.name, 'Ada');
  t.equal((await http('PUT', `/v1/posts/${existing.id}/vote`, { value: 1 }, token)).status, 200, 'and votes there');
  const counted = await countQueries(api.db, () => api.req('PUT', `/v1/posts/${existing.id}/vote`, { token, body: { value: -1 } }));
  t.equal(counted.counts.accounts, 1, 'the session, its roles and its links: one accounts query');
  t.equal(counted.statements.find((q) => q.startsWith('accounts')), `accounts: ${userSql.selectSessionUser.replace(/\s+/g, ' ').slice(0, 120)}`, 'that query is the session query');
  t.match(userSql.selectSessionUser, /FROM user_forum_links/, 'which reads the links');
  t.match((await http('GET', `/v1/admin/users/${userId}/forums`, undefined, ADMIN_TOKEN)).body.links, [{ forumId: b.forum.id, slug: b.forum.slug }]);

  t.equal((await http('DELETE', linkPath, undefined, b.moderatorKey)).status, 403, 'only the admin unlinks');
  t.equal((await http('DELETE', linkPath, undefined, ADMIN_TOKEN)).status, 204);
  t.equal((await http('POST', `/v1/threads/${threadB.id}/posts`, { message: 'again' }, token)).status, 403, 'unlinked: refused at the next request');
  t.equal((await http('DELETE', linkPath, undefined, ADMIN_TOKEN)).body.error.code, 'link_not_found');
  t.equal((await http('POST', `/v1/threads/${(await api.thread(a.forum.slug)).id}/posts`, { message: 'home' }, token)).status, 201, 'still at home in A');

  t.same(
    await api.everywhere("SELECT type, actor, forum_id::text FROM events WHERE type IN ('UserForumLinked', 'UserForumUnlinked') ORDER BY id"),
    [{ type: 'UserForumLinked', actor: 'admin', forum_id: b.forum.id }, { type: 'UserForumUnlinked', actor: 'admin', forum_id: b.forum.id }],
    'each change is one event with its actor',
  );
});

t.test("what cannot be linked: a Parley account, a site's user to its own forum, a missing user or forum", async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const a = await api.forum();
  const secret = (await http('POST', `/v1/forums/${a.forum.slug}/sso-secret`, undefined, a.moderatorKey)).body.secret as string;
  const sso = (await http('POST', '/v1/sso/disqus', { forum: a.forum.slug, remoteAuth: remoteAuth(secret, { id: 'x', username: 'Bea', email: 'bea@example.com' }) })).body;
  const reg = (await http('POST', '/v1/users', { username: 'links-plain', email: 'plain@example.com', password: 'a long enough password' })).body;
  const code = async (path: string) => (await http('PUT', path, undefined, ADMIN_TOKEN)).body.error.code;
  t.equal(await code(`/v1/admin/users/${reg.user.id}/forums/${a.forum.slug}`), 'sso_user_not_found', 'a Parley account takes part everywhere already');
  t.equal(await code(`/v1/admin/users/${sso.user.id}/forums/${a.forum.slug}`), 'link_to_own_forum');
  t.equal(await code(`/v1/admin/users/999999/forums/${a.forum.slug}`), 'sso_user_not_found');
  t.equal(await code(`/v1/admin/users/${sso.user.id}/forums/no-such-forum`), 'forum_not_found');
  t.equal(await code(`/v1/admin/users/not-an-id/forums/${a.forum.slug}`), 'invalid_id');
  t.equal((await http('GET', `/v1/admin/users/${sso.user.id}/forums`, undefined, sso.token)).status, 403, 'only the admin lists links');
  t.same((await http('GET', `/v1/admin/users/${sso.user.id}/forums`, undefined, ADMIN_TOKEN)).body, { links: [] });
});
