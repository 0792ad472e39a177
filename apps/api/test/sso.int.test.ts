// Disqus-compatible single sign-on over real HTTP: a forum's moderators create (and rotate) its
// secret; the site's signed user becomes the forum's user with a session, is kept up to date,
// comments and votes under its site's name, and only in its own forum; bad signatures, another
// forum's value, stale timestamps and malformed values are refused; the signed empty object signs
// the reader out. (The signature itself has independent vectors in
// packages/access/test/sso-disqus.unit.test.ts; here the test signs as a site would.)
import t from 'tap';
import { createHmac } from 'node:crypto';
import { overHttp, testApi } from '../../../test/harness/app.ts';

/** what a site's server does: base64 JSON, HMAC-SHA1 of "<message> <timestamp>", the timestamp */
function remoteAuth(secret: string, data: object, ts = Math.floor(Date.now() / 1000)): string {
  const message = Buffer.from(JSON.stringify(data)).toString('base64');
  return `${message} ${createHmac('sha1', secret).update(`${message} ${ts}`).digest('hex')} ${ts}`;
}


t.test('a forum\'s site signs its users in', async (t) => {
  const api = await testApi(t);
  const call = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const ada = { id: 'site-42', username: 'Ada L.', email: 'ada@example.com', avatar: 'https://example.com/ada.png' };

  const unset = await call('POST', '/v1/sso/disqus', { forum: forum.slug, remoteAuth: remoteAuth('anything', ada) });
  t.same([unset.status, unset.body.error.code], [400, 'sso_not_configured'], 'no secret yet: a clear refusal');
  t.equal((await call('POST', `/v1/forums/${forum.slug}/sso-secret`)).status, 401, 'creating a secret needs the moderator key');
  const other = await api.forum();
  t.equal((await call('POST', `/v1/forums/${forum.slug}/sso-secret`, undefined, other.moderatorKey)).status, 403, 'another forum\'s key is refused');
  const created = await call('POST', `/v1/forums/${forum.slug}/sso-secret`, undefined, moderatorKey);
  t.equal(created.status, 201);
  const secret = created.body.secret as string;
  t.match(secret, /^sso_[A-Za-z0-9_-]{40,}$/);
  const shown = await call('GET', `/v1/forums/${forum.slug}`);
  t.notOk(shown.text.includes(secret), 'the secret is never sent again');

  const signedIn = await call('POST', '/v1/sso/disqus', { forum: forum.slug, remoteAuth: remoteAuth(secret, ada) });
  t.equal(signedIn.status, 200);
  t.same(signedIn.body.user.username, 'Ada L.', 'the site\'s name, spaces and all');
  t.match(signedIn.body.token, /^put_/, 'a user session token');
  const posted = await call('POST', `/v1/threads/${thread.id}/posts`, { message: 'signed in by my site' }, signedIn.body.token);
  t.equal(posted.status, 201);
  t.equal(posted.body.post.author.name, 'Ada L.', 'the comment is under the site\'s name');
  const page = await call('GET', `/v1/threads/${thread.id}/posts`);
  t.equal(page.body.posts[0].author.profile?.id, signedIn.body.user.id, 'and, listed, carries the user\'s profile');

  const again = await call('POST', '/v1/sso/disqus', { forum: forum.slug, remoteAuth: remoteAuth(secret, ada) });
  t.equal(again.body.user.id, signedIn.body.user.id, 'the same site user is the same Parley user');
  const renamed = await call('POST', '/v1/sso/disqus', { forum: forum.slug, remoteAuth: remoteAuth(secret, { ...ada, username: 'Ada Lovelace' }) });
  t.same([renamed.body.user.id, renamed.body.user.username], [signedIn.body.user.id, 'Ada Lovelace'], 'and follows the site\'s changes');
  const events = await api.everywhere("SELECT type, actor FROM events WHERE type IN ('UserRegistered', 'UserUpdated') AND actor = $1 ORDER BY id", [`user:${signedIn.body.user.id}`]);
  t.same(events.map((e) => e.type), ['UserRegistered', 'UserUpdated'], 'one event when the user appeared, one when it changed, none for a sign-in that changed nothing');

  const out = await call('POST', '/v1/sso/disqus', { forum: forum.slug, remoteAuth: remoteAuth(secret, {}) });
  t.same([out.status, out.body], [200, { user: null, token: null }], 'the signed empty object: nobody is signed in');
});

t.test('what is refused', async (t) => {
  const api = await testApi(t);
  const call = await overHttp(api);
  const a = await api.forum();
  const b = await api.forum();
  const secretOf = async (f: { forum: { slug: string }; moderatorKey: string }) =>
    (await call('POST', `/v1/forums/${f.forum.slug}/sso-secret`, undefined, f.moderatorKey)).body.secret as string;
  const secretA = await secretOf(a);
  const secretB = await secretOf(b);
  const bob = { id: 7, username: 'bob', email: 'bob@example.com' };
  const code = async (forum: string, value: string) => {
    const r = await call('POST', '/v1/sso/disqus', { forum, remoteAuth: value });
    return [r.status, r.body.error?.code];
  };

  t.same(await code(b.forum.slug, remoteAuth(secretA, bob)), [401, 'sso_signature_invalid'], 'forum A\'s value replayed to forum B');
  t.same(await code(a.forum.slug, remoteAuth(secretA, bob, Math.floor(Date.now() / 1000) - 3 * 3600)), [401, 'sso_expired'], 'a value older than the window (2 h)');
  t.same(await code(a.forum.slug, remoteAuth(secretA, bob, Math.floor(Date.now() / 1000) + 3 * 3600)), [401, 'sso_expired'], 'or from too far ahead');
  t.same(await code(a.forum.slug, 'not a remote auth value'), [400, 'invalid_sso']);
  t.same(await code(a.forum.slug, remoteAuth(secretA, { id: 7, username: 'bob', email: 'nope' })), [400, 'invalid_email']);
  t.same(await code('no-such-forum', remoteAuth(secretA, bob)), [404, 'forum_not_found']);
  const oversized = await call('POST', '/v1/sso/disqus', { forum: a.forum.slug, remoteAuth: 'x'.repeat(9000) });
  t.equal(oversized.status, 400, 'a value over 8 KB');

  const rotated = await secretOf(a);
  t.not(rotated, secretA);
  t.same(await code(a.forum.slug, remoteAuth(secretA, bob)), [401, 'sso_signature_invalid'], 'after a rotation the old secret signs nothing');
  const bobInA = await call('POST', '/v1/sso/disqus', { forum: a.forum.slug, remoteAuth: remoteAuth(rotated, bob) });
  t.equal(bobInA.status, 200, 'the new one does');
  t.same(await code(b.forum.slug, remoteAuth(secretB, bob)), [200, undefined], 'forum B\'s own value is fine');

  // the users of forum A's site are not users of forum B
  const threadB = await api.thread(b.forum.slug);
  const inB = await call('POST', `/v1/threads/${threadB.id}/posts`, { message: 'crossing over' }, bobInA.body.token);
  t.same([inB.status, inB.body.error.code], [403, 'forbidden'], 'an SSO user of A cannot comment in B');
  const { post: postB } = await api.post(threadB.id);
  const voteB = await call('PUT', `/v1/posts/${postB.id}/vote`, { value: 1 }, bobInA.body.token);
  t.same([voteB.status, voteB.body.error?.code], [403, 'forbidden'], `nor vote there: ${voteB.text}`);
  const threadA = await api.thread(a.forum.slug);
  t.equal((await call('POST', `/v1/threads/${threadA.id}/posts`, { message: 'at home' }, bobInA.body.token)).status, 201, 'in A it can');

  // Parley's own accounts and a site's users share no names
  const own = await call('POST', '/v1/users', { username: 'bob', email: 'bob@parley.example', password: 'correct horse battery' });
  t.equal(own.status, 201, 'a Parley account named like an SSO user');
  const login = await call('POST', '/v1/sessions', { username: 'bob', password: 'correct horse battery' });
  t.same([login.status, login.body.user.id], [201, own.body.user.id], 'logs in as itself, never as the SSO user');
});
