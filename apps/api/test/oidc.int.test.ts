// Sign-in with OpenID Connect over real HTTP against a real provider (oidc-provider, started by
// test/harness/oidc.ts on loopback): the code flow with PKCE, state and nonce ends in a page that
// hands a working session to the popup's opener; the same person is the same account on the next
// sign-in, and an address alone links nobody; a tampered, replayed, foreign, expired or refused
// callback, a wrong PKCE verifier, an unknown provider and a provider that is away are each
// refused with their code, never a 500.
import t from 'tap';
import Value from 'typebox/value';
import { freePort } from '../../../scripts/lib/free-port.ts';
import { OidcSessionAnswer } from '../src/responses.ts';
import { countQueries } from '../../../test/harness/query-count.ts';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import type { Config } from '@parley/data';
import type { TapTest } from '../../../test/harness/db.ts';
import { Browser, testOidcProvider, type TestOidcProvider } from '../../../test/harness/oidc.ts';

interface Setup {
  api: TestApi;
  op: TestOidcProvider;
  base: string;
  slug: string;
  browser: Browser;
}

/** `basic`: the client is registered for HTTP Basic only, and the operator says so */
async function setup(t: TapTest, overrides: Partial<Config> = {}, basic = false): Promise<Setup> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const op = await testOidcProvider(t, { redirectUris: [`${base}/v1/oidc/test/callback`], ...(basic ? { authMethod: 'client_secret_basic' as const } : {}) });
  const providers = [{
    id: 'test', name: 'Test ID', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret,
    ...(basic ? { tokenEndpointAuthMethod: 'client_secret_basic' } : {}),
  }];
  const api = await testApi(t, { publicUrl: base, oidcAllowHttp: true, oidcProviders: JSON.stringify(providers), ...overrides });
  await api.app.listen({ port, host: '127.0.0.1' });
  const { forum } = await api.forum();
  return { api, op, base, slug: forum.slug, browser: new Browser() };
}

const startUrl = (s: Setup) => `${s.base}/v1/oidc/test/start?forum=${s.slug}&mode=popup`;

/** A browser from the sign-in button to the provider's redirect back (not yet loaded). */
async function toCallback(s: Setup, browser = s.browser): Promise<URL> {
  browser.forget(s.op.issuer);
  const { stoppedAt, res } = await browser.follow(startUrl(s), (u) => u.pathname === '/v1/oidc/test/callback');
  if (!stoppedAt) throw new Error(`the flow never came back: ${res?.status} ${await res?.text()}`);
  return stoppedAt;
}

/** The callback as an API client sees it (JSON). */
async function callback(s: Setup, url: URL | string, browser = s.browser): Promise<{ status: number; body: any }> {
  const res = await browser.get(String(url), { accept: 'application/json' });
  return { status: res.status, body: await res.json() };
}

/** sessions on every database (one, or the split layout's accounts database and shards) */
const sessionCount = async (s: Setup) => (await s.api.everywhere('SELECT count(*)::int AS n FROM sessions')).reduce((sum, r) => sum + r.n, 0);

const signIn = async (s: Setup) => callback(s, await toCallback(s));

const api = (s: Setup, path: string, token?: string) =>
  fetch(s.base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({ status: r.status, body: await r.json() }));

t.test('the code flow signs a reader in, in a popup', async (t) => {
  const s = await setup(t);
  s.op.accounts.set('sub-ada', { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', preferred_username: 'ada' });
  s.op.signInAs('sub-ada');

  t.same((await api(s, '/v1/oidc/providers')).body, { providers: [{ id: 'test', name: 'Test ID' }] }, 'the widget\'s buttons: id and name, never a secret');

  const start = await s.browser.get(startUrl(s));
  t.equal(start.status, 302, 'the start sends the browser to the provider');
  const to = new URL(start.headers.get('location')!);
  t.equal(to.origin, s.op.issuer);
  t.equal(to.searchParams.get('code_challenge_method'), 'S256', 'with PKCE (S256)');
  t.ok(to.searchParams.get('code_challenge') && to.searchParams.get('state') && to.searchParams.get('nonce'), 'a challenge, a state and a nonce');
  t.equal(to.searchParams.get('redirect_uri'), `${s.base}/v1/oidc/test/callback`);
  t.notOk(to.searchParams.has('code_verifier'), 'the verifier stays on the server');
  t.same([start.headers.get('cache-control'), start.headers.get('referrer-policy')], ['no-store', 'no-referrer']);
  const cookie = start.headers.get('set-cookie') ?? '';
  t.match(cookie, /^parley_oidc_[\w-]+=[\w-]{43}; Max-Age=600; Path=\/v1\/oidc\/; HttpOnly; SameSite=Lax$/, `the flow is bound to this browser by an HttpOnly cookie: ${cookie}`);

  const { stoppedAt: back } = await s.browser.follow(to.href, (u) => u.pathname === '/v1/oidc/test/callback');
  t.ok(back?.searchParams.get('code'), 'the provider sends a code back');
  const page = await s.browser.get(back!.href);
  t.equal(page.status, 200);
  const html = await page.text();
  t.same([page.headers.get('cache-control'), page.headers.get('referrer-policy')], ['no-store', 'no-referrer'], 'the page is never cached and leaks no URL');
  const csp = page.headers.get('content-security-policy') ?? '';
  t.match(csp, /^default-src 'none'; script-src 'sha256-[\w+/=]+'; /, `a strict CSP: its one script by hash (${csp})`);
  t.notMatch(csp, /unsafe-inline/);
  t.match(page.headers.get('set-cookie') ?? '', /Max-Age=0/, 'the flow\'s cookie is cleared');
  const data = JSON.parse(/<script type="application\/json" id="parley-result">(.*?)<\/script>/s.exec(html)![1]);
  t.equal(data.origin, s.base, 'posted to the API\'s own origin only (the session frame), never the host page');
  t.equal(data.message.type, 'parley:session');
  t.match(data.message.token, /^put_/);
  t.match(data.message.user, { username: 'ada', displayName: 'Ada Lovelace', emailVerified: true });
  t.match(html, /window\.opener/);

  const sessions = await api(s, '/v1/sessions', data.message.token);
  t.same([sessions.status, sessions.body.sessions.length], [200, 1], 'the token is a working session');
  const events = await s.api.everywhere("SELECT type, actor FROM events WHERE type IN ('UserRegistered', 'UserUpdated') ORDER BY id");
  t.same(events, [{ type: 'UserRegistered', actor: `user:${data.message.user.id}` }], 'the new account is an event, with its actor');
  const stored = await s.api.everywhere('SELECT issuer, subject, provider FROM user_identities');
  t.same(stored, [{ issuer: s.op.issuer, subject: 'sub-ada', provider: 'test' }], 'linked by (issuer, subject)');
  t.same(await s.api.everywhere('SELECT 1 FROM oidc_flows'), [], 'the flow is gone');
});

t.test('the same person is the same account; an address alone links nobody', async (t) => {
  const s = await setup(t);
  s.op.accounts.set('sub-ada', { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', preferred_username: 'ada' });
  s.op.signInAs('sub-ada');
  const first = await signIn(s);
  let second = first;
  t.equal(first.status, 200, 'signed in');
  t.same([...Value.Errors(OidcSessionAnswer, first.body)].map((e) => `${e.instancePath} ${e.message}`), [], 'the JSON answer is the documented one');
  const url = await toCallback(s);
  const counted = await countQueries(s.api.db, async () => {
    second = await callback(s, url);
  });
  t.same(counted.counts, { accounts: 6 }, `a returning sign-in: the flow taken; then in one transaction the identity checked, read, the session stored:\n${counted.statements.join('\n')}`);
  t.equal(second.body.user.id, first.body.user.id, 'a second sign-in reaches the same account');
  t.not(second.body.token, first.body.token, 'with a session of its own');
  s.op.accounts.set('sub-ada', { email: 'ada@example.com', email_verified: true, name: 'Ada King', preferred_username: 'ada' });
  const renamed = await signIn(s);
  t.same([renamed.body.user.id, renamed.body.user.displayName, renamed.body.user.username], [first.body.user.id, 'Ada King', 'ada'], 'the provider\'s new name is shown; the username stays');
  const events = await s.api.everywhere("SELECT type, actor FROM events WHERE type IN ('UserRegistered', 'UserUpdated') ORDER BY id");
  t.same(events.map((e) => e.type), ['UserRegistered', 'UserUpdated'], 'one event when it appeared, one when it changed, none for a sign-in that changed nothing');
  t.equal(events[1].actor, `user:${first.body.user.id}`);

  // a local account holds the address another identity reports: the identity gets its own account
  const local = await fetch(`${s.base}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'grace', email: 'grace@example.com', password: 'a long enough password' }) });
  const localId = (await local.json()).user.id;
  s.op.accounts.set('sub-mallory', { email: 'grace@example.com', email_verified: true, name: 'Grace', preferred_username: 'grace' });
  s.op.signInAs('sub-mallory');
  const other = await signIn(s);
  t.equal(other.status, 200);
  t.not(other.body.user.id, localId, 'never the local account with the same address');
  t.match(other.body.user.username, /^grace-[a-z0-9]{5}$/, 'and its username is made free');
});

t.test('callbacks that are refused', async (t) => {
  const s = await setup(t);
  s.op.accounts.set('sub-bob', { email: 'bob@example.com', email_verified: true, name: 'Bob' });
  s.op.signInAs('sub-bob');

  const url = await toCallback(s);
  const tampered = new URL(url);
  tampered.searchParams.set('state', `${url.searchParams.get('state')}x`);
  t.same([(await callback(s, tampered)).status, (await callback(s, tampered)).body.error.code], [400, 'oidc_state_invalid'], 'a tampered state');
  const noState = new URL(url);
  noState.searchParams.delete('state');
  t.equal((await callback(s, noState)).body.error.code, 'oidc_state_invalid', 'no state');
  t.equal((await callback(s, url, new Browser())).body.error.code, 'oidc_state_invalid', 'the callback in another browser (no cookie): login CSRF');

  const url2 = await toCallback(s);
  const ok = await callback(s, url2);
  t.equal(ok.status, 200, 'the genuine callback works');
  const replay = await callback(s, url2);
  t.same([replay.status, replay.body.error.code], [400, 'oidc_state_invalid'], 'the same callback (and code) again');
  t.equal((await api(s, '/v1/sessions', ok.body.token)).body.sessions.length, 1, 'and it made no session');

  const url3 = await toCallback(s);
  await s.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE oidc_flows SET code_verifier = repeat('v', 64)");
  const wrongPkce = await callback(s, url3);
  t.same([wrongPkce.status, wrongPkce.body.error.code], [401, 'oidc_login_failed'], 'a wrong PKCE verifier');
  t.ok(s.op.refusals.includes('invalid_grant'), 'the provider itself refused the code');

  const badNonce = await toCallback(s);
  await s.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE oidc_flows SET nonce = 'another-nonce'");
  t.same((await callback(s, badNonce)).body.error?.code, 'oidc_login_failed', 'an ID token for another nonce');

  const mixUp = await toCallback(s);
  const elsewhere = new URL(mixUp);
  elsewhere.pathname = '/v1/oidc/site/callback';
  t.equal((await callback(s, elsewhere)).body.error?.code, 'oidc_state_invalid', 'a flow of one provider returned to another\'s callback (mix-up)');

  const url4 = await toCallback(s);
  await s.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE oidc_flows SET expires_at = now() - interval '1 second'");
  const expired = await callback(s, url4);
  t.same([expired.status, expired.body.error.code], [400, 'oidc_flow_expired'], 'a flow past its time');

  s.op.deny();
  const denied = await toCallback(s);
  t.equal(denied.searchParams.get('error'), 'access_denied');
  const deniedPage = await s.browser.get(denied.href);
  t.equal(deniedPage.status, 403, 'consent refused at the provider');
  const html = await deniedPage.text();
  t.match(html, /oidc_denied/, 'an error page that says why');
  t.match(JSON.parse(/id="parley-result">(.*?)<\/script>/s.exec(html)![1]).message, { type: 'parley:error', code: 'oidc_denied' }, 'and tells the opener');

  const other = await callback(s, `${s.base}/v1/oidc/nope/callback?state=x&code=y`);
  t.same([other.status, other.body.error.code], [404, 'oidc_provider_not_found'], 'an unknown provider');
  t.equal(await sessionCount(s), 1, 'only the genuine callback made a session');
});

t.test('what the start refuses', async (t) => {
  const s = await setup(t);
  const refused = async (path: string) => {
    const r = await callback(s, `${s.base}${path}`);
    return [r.status, r.body.error?.code];
  };
  t.same(await refused(`/v1/oidc/nope/start?forum=${s.slug}`), [404, 'oidc_provider_not_found'], 'an unknown provider');
  t.same(await refused('/v1/oidc/test/start?forum=no-such-forum'), [404, 'forum_not_found'], 'an unknown forum');
  t.same(await refused(`/v1/oidc/test/start?forum=${s.slug}&mode=tab`), [400, 'invalid_field'], 'an unknown mode');
  t.same(await refused('/v1/oidc/test/start'), [400, 'missing_field'], 'no forum');
  const page = await s.browser.get(`${s.base}/v1/oidc/nope/start?forum=${s.slug}`);
  t.same([page.status, page.headers.get('content-type')], [404, 'text/html; charset=utf-8'], 'to a browser, a page');
  t.match(await page.text(), /oidc_provider_not_found/);

  const limited = await setup(t, { loginPerAddress: 2 });
  const starts = [];
  for (let i = 0; i < 3; i++) starts.push(await limited.browser.get(startUrl(limited), { accept: 'application/json' }));
  t.same(starts.map((r) => r.status), [302, 302, 429], 'starts spend the sign-in budget per address');
  const retry = Number(starts[2].headers.get('retry-after'));
  t.ok(retry > 0 && retry <= limited.api.config.accountRateWindowSeconds, `with Retry-After (${retry} s, within the window)`);
  const limitedPage = await limited.browser.get(startUrl(limited));
  t.same([limitedPage.status, limitedPage.headers.get('content-type')], [429, 'text/html; charset=utf-8'], 'to a browser, the refusal is the popup page');
  t.same((await limited.api.everywhere('SELECT count(*)::int AS n FROM oidc_flows')).reduce((n, r) => n + r.n, 0), 2, 'the refused one stored nothing');
});

t.test('a provider that is away is a 503 with its code', async (t) => {
  const s = await setup(t);
  s.op.accounts.set('sub-eve', { name: 'Eve' });
  s.op.signInAs('sub-eve');
  const url = await toCallback(s);
  await s.op.close();
  const exchange = await callback(s, url);
  t.same([exchange.status, exchange.body.error.code], [503, 'oidc_provider_unavailable'], 'the code exchange finds the provider gone');

  const down = await setup(t);
  await down.op.close();
  const res = await down.browser.get(startUrl(down), { accept: 'application/json' });
  t.same([res.status, (await res.json()).error.code, res.headers.get('retry-after')], [503, 'oidc_provider_unavailable', '2'], 'the start, before anything is stored');
  t.same(await down.api.everywhere('SELECT 1 FROM oidc_flows'), []);
});

t.test('redirect mode: back to the host page with a one-time code', async (t) => {
  const s = await setup(t);
  const site = 'https://site.example';
  const { forum: listed } = await s.api.forum(undefined, { allowedOrigins: [site] });
  s.op.accounts.set('sub-ann', { email: 'ann@example.com', email_verified: true, name: 'Ann' });
  s.op.signInAs('sub-ann');
  const start = (slug: string, returnTo?: string) => `${s.base}/v1/oidc/test/start?forum=${slug}&mode=redirect${returnTo ? `&returnTo=${encodeURIComponent(returnTo)}` : ''}`;
  const redeem = async (code: string) => {
    const r = await fetch(`${s.base}/v1/oidc/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    return { status: r.status, body: await r.json(), cache: r.headers.get('cache-control') };
  };
  /** the whole round trip, to the page the browser is sent back to */
  const roundTrip = async (returnTo: string) => {
    const browser = new Browser();
    const { stoppedAt } = await browser.follow(start(listed.slug, returnTo), (u) => u.pathname === '/v1/oidc/test/callback');
    const back = await browser.get(stoppedAt!.href);
    t.equal(back.status, 302, 'the callback sends the browser back');
    t.same([back.headers.get('cache-control'), back.headers.get('referrer-policy')], ['no-store', 'no-referrer']);
    return new URL(back.headers.get('location')!);
  };

  const back = await roundTrip(`${site}/post/1?x=1#comments`);
  t.equal(`${back.origin}${back.pathname}${back.search}`, `${site}/post/1?x=1`, 'to the page it came from');
  const code = new URLSearchParams(back.hash.slice(1)).get('parley_oidc')!;
  t.match(code, /^[\w-]{43}$/, 'with a code in the fragment (never sent to a server), not a token');
  const redeemed = await redeem(code);
  t.same([redeemed.status, redeemed.cache], [201, 'no-store'], 'the session frame trades it for a session');
  t.match(redeemed.body, { user: { displayName: 'Ann' }, token: /^put_/ });
  t.equal((await api(s, '/v1/sessions', redeemed.body.token)).status, 200, 'a working one');
  t.same([(await redeem(code)).status, (await redeem(code)).body.error.code], [400, 'oidc_code_invalid'], 'once');
  t.equal((await redeem('made-up')).body.error.code, 'oidc_code_invalid');

  const late = new URLSearchParams((await roundTrip(`${site}/post/2`)).hash.slice(1)).get('parley_oidc')!;
  await s.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE oidc_handoffs SET expires_at = now() - interval '1 second'");
  t.equal((await redeem(late)).body.error.code, 'oidc_code_invalid', 'a code past its minute');

  s.op.deny();
  const refusedBack = await roundTrip(`${site}/post/3`);
  t.same(Object.fromEntries(new URLSearchParams(refusedBack.hash.slice(1))), { parley_oidc_error: 'oidc_denied' }, 'a refusal comes back to the page too');

  const refused = async (url: string) => {
    const r = await callback(s, url);
    return [r.status, r.body.error?.code];
  };
  t.same(await refused(start(listed.slug, 'https://evil.example/')), [403, 'origin_not_allowed'], 'never back to an unlisted origin');
  t.same(await refused(start(s.slug, `${site}/`)), [403, 'origin_not_allowed'], 'nor for a forum that lists none (popup only)');
  t.same(await refused(start(listed.slug)), [400, 'missing_field'], 'returnTo is needed');
  t.same(await refused(start(listed.slug, 'javascript:alert(1)')), [400, 'invalid_field']);
  t.equal(await sessionCount(s), 1, 'only the redeemed code made a session');
});

t.test('a client registered for HTTP Basic only', async (t) => {
  const s = await setup(t, {}, true);
  s.op.accounts.set('sub-bea', { name: 'Bea' });
  s.op.signInAs('sub-bea');
  t.equal((await signIn(s)).status, 200, 'signs in when the operator says so (tokenEndpointAuthMethod)');
});

t.test('one new person signing in twice at once gets one account', async (t) => {
  const s = await setup(t);
  s.op.accounts.set('sub-twin', { name: 'Twin', preferred_username: 'twin' });
  s.op.signInAs('sub-twin');
  const browsers = [new Browser(), new Browser(), new Browser()];
  const urls = await Promise.all(browsers.map((b) => toCallback(s, b)));
  const done = await Promise.all(urls.map((u, i) => callback(s, u, browsers[i])));
  t.same(done.map((d) => d.status), [200, 200, 200]);
  t.equal(new Set(done.map((d) => d.body.user.id)).size, 1, 'the same account for all');
  const total = async (sql: string) => (await s.api.everywhere(sql)).reduce((n, r) => n + r.n, 0);
  t.equal(await total("SELECT count(*)::int AS n FROM users WHERE username LIKE 'twin%'"), 1, 'no second account left behind');
  t.equal(await total("SELECT count(*)::int AS n FROM events WHERE type = 'UserRegistered'"), 1, 'nor its event');
  t.equal(await total('SELECT count(*)::int AS n FROM sessions'), 3, 'and a session for each sign-in');
});
