// A forum's own OpenID Connect provider, over real HTTP against a real provider on loopback: its
// moderators set it (the secret never comes back) and remove it; it signs in the forum's own users,
// who take part in that forum only, and the same person at another forum is another user; an
// issuer that is not https, or that points into the server's own network, is refused.
import t from 'tap';
import { freePort } from '../../../scripts/lib/free-port.ts';
import { testApi } from '../../../test/harness/app.ts';
import { Browser, testOidcProvider } from '../../../test/harness/oidc.ts';

t.test('a forum signs in its own users with its own provider', async (t) => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const site = await testOidcProvider(t, { redirectUris: [`${base}/v1/oidc/site/callback`] });
  const api = await testApi(t, { publicUrl: base, oidcAllowHttp: true });
  await api.app.listen({ port, host: '127.0.0.1' });
  const a = await api.forum();
  const b = await api.forum();
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const r = await fetch(base + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const config = { issuer: site.issuer, clientId: site.clientId, clientSecret: site.clientSecret, name: 'Club login' };

  t.equal((await call('PUT', `/v1/forums/${a.forum.slug}/oidc`, config)).status, 401, 'setting it needs a credential');
  t.equal((await call('PUT', `/v1/forums/${a.forum.slug}/oidc`, config, b.moderatorKey)).status, 403, 'another forum\'s key is refused');
  const set = await call('PUT', `/v1/forums/${a.forum.slug}/oidc`, config, a.moderatorKey);
  t.same([set.status, set.body], [200, { provider: { id: 'site', name: 'Club login', issuer: site.issuer, clientId: site.clientId } }]);
  t.notOk(set.text.includes(site.clientSecret), 'the secret never comes back');
  t.notOk((await call('GET', `/v1/forums/${a.forum.slug}`)).text.includes(site.clientSecret), 'nor with the forum');
  t.same((await call('GET', `/v1/oidc/providers?forum=${a.forum.slug}`)).body.providers, [{ id: 'site', name: 'Club login' }], 'the forum\'s widget lists it');
  t.same((await call('GET', `/v1/oidc/providers?forum=${b.forum.slug}`)).body.providers, [], 'another forum\'s does not');
  const events = await api.everywhere("SELECT type, actor FROM events WHERE type = 'ForumUpdated' AND forum_id = $1", [a.forum.id]);
  t.same(events.map((e) => e.actor), [`moderator:${a.forum.id}`], 'the change is an event, with its actor');

  site.accounts.set('club-7', { name: 'Cleo Member', email: 'cleo@example.com', email_verified: true });
  site.signInAs('club-7');
  const signIn = async (slug: string) => {
    const browser = new Browser();
    const { stoppedAt } = await browser.follow(`${base}/v1/oidc/site/start?forum=${slug}`, (u) => u.pathname === '/v1/oidc/site/callback');
    const res = await browser.get(stoppedAt!.href, { accept: 'application/json' });
    return { status: res.status, body: await res.json() };
  };
  const cleo = await signIn(a.forum.slug);
  t.equal(cleo.status, 200, JSON.stringify(cleo.body));
  t.match(cleo.body.user, { displayName: 'Cleo Member' });
  const threadA = await api.thread(a.forum.slug);
  const threadB = await api.thread(b.forum.slug);
  const posted = await call('POST', `/v1/threads/${threadA.id}/posts`, { message: 'a member speaks' }, cleo.body.token);
  t.same([posted.status, posted.body.post?.author.name], [201, 'Cleo Member'], 'the forum\'s user comments there, by the provider\'s name');
  const elsewhere = await call('POST', `/v1/threads/${threadB.id}/posts`, { message: 'crossing over' }, cleo.body.token);
  t.same([elsewhere.status, elsewhere.body.error?.code], [403, 'forbidden'], 'and only there');
  t.equal((await signIn(a.forum.slug)).body.user.id, cleo.body.user.id, 'the same person is the same user on the next sign-in');

  t.equal((await call('PUT', `/v1/forums/${b.forum.slug}/oidc`, { issuer: site.issuer, clientId: site.clientId, clientSecret: site.clientSecret }, b.moderatorKey)).status, 200);
  t.same((await call('GET', `/v1/oidc/providers?forum=${b.forum.slug}`)).body.providers, [{ id: 'site', name: b.forum.name }], 'the button says the forum\'s name by default');
  const inB = await signIn(b.forum.slug);
  t.not(inB.body.user.id, cleo.body.user.id, 'at another forum, even with the same provider, it is another user');

  t.equal((await call('DELETE', `/v1/forums/${a.forum.slug}/oidc`, undefined, a.moderatorKey)).status, 204, 'removed');
  t.same((await call('GET', `/v1/oidc/providers?forum=${a.forum.slug}`)).body.providers, []);
  const gone = await call('GET', `/v1/oidc/site/start?forum=${a.forum.slug}`);
  t.same([gone.status, gone.body.error.code], [404, 'oidc_provider_not_found'], 'and its sign-in with it');
  t.equal((await call('GET', '/v1/oidc/providers?forum=no-such-forum')).status, 404);
});

t.test('issuers that are refused', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const put = async (issuer: string) => {
    const r = await api.req('PUT', `/v1/forums/${forum.slug}/oidc`, { token: moderatorKey, body: { issuer, clientId: 'x', clientSecret: 'y' } });
    return [r.status, r.body.error?.code];
  };
  t.same(await put('http://id.example.com'), [400, 'invalid_field'], 'plain http');
  t.same(await put('not a url'), [400, 'invalid_field']);
  t.same(await put('https://id.example.com/?x=1'), [400, 'invalid_field'], 'a query string');
  t.same(await put('https://127.0.0.1:8443'), [400, 'invalid_field'], 'the server\'s own loopback');
  t.same(await put('https://169.254.169.254'), [400, 'invalid_field'], 'a cloud metadata address');
  t.same(await put('https://[::1]:8443'), [400, 'invalid_field'], 'an IPv6 loopback literal');
  const unknown = await api.req('PUT', `/v1/forums/${forum.slug}/oidc`, { token: moderatorKey, body: { issuer: 'https://id.example.com', clientId: 'x', scope: 'all' } });
  t.same([unknown.status, unknown.body.error.code], [400, 'unknown_field']);
});
