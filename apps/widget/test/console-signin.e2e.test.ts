// The moderation console's page and sign-in, in real Chromium against the API on loopback: the
// strict CSP of /moderate (no inline code, never framed, no Referer) with no violation while it
// runs; signing in with the forum's moderator key and with a moderator account; refusals in the
// API's own words (a wrong key, a wrong password) or the console's (a key or account of another
// forum); the credential kept in sessionStorage of the API's origin only, and forgotten on sign-out.
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { browserStack } from '../../../test/harness/browser.ts';
import { until } from '../../../test/harness/until.ts';
import { moderatorAccount, openConsole, signInWithAccount, signInWithKey } from './console-page.ts';

// moderator subscriptions re-checked every second, so a revoked key shows within the test's patience
const stack = await browserStack(t, { realtimeReauthSeconds: 1 });
const { api } = stack;

t.test('GET /moderate: a constant page under a strict policy', async (t) => {
  const res = await fetch(`${stack.apiUrl}/moderate`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const part of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) t.ok(csp.includes(part), `CSP has ${part}`);
  t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'no inline code or eval allowed');
  t.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/, 'connections to this API and its realtime endpoint only');
  t.equal(res.headers.get('referrer-policy'), 'no-referrer');
  t.equal(res.headers.get('x-frame-options'), 'DENY');
  const html = await res.text();
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file');
  t.notMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  t.notMatch(html, /style=/, 'no inline style');
  for (const file of ['console.js', 'console.css']) {
    const f = await fetch(`${stack.apiUrl}/moderate/${file}`);
    t.equal(f.status, 200, `${file} is served`);
    t.equal(f.headers.get('access-control-allow-origin'), null, `${file} is for this origin only`);
  }
  t.equal((await fetch(`${stack.apiUrl}/moderate/other.js`)).status, 404, 'only the console files are served');
});

await stack.test('signing in with the forum\'s moderator key; the key lives in sessionStorage only; sign-out forgets it', async (t, open) => {
  const { forum, moderatorKey } = await api.forum();
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, forum.slug, moderatorKey);
  t.match(await m.page.locator('.console-header h1').innerText(), /Moderating Test forum/);
  t.match(await m.page.locator('.console-who').innerText(), /moderator key/);
  const storage = await m.page.evaluate(() => ({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage), cookie: document.cookie }));
  t.ok(storage.session.includes(moderatorKey), 'the key is in sessionStorage');
  t.notOk(storage.local.includes(moderatorKey), 'not in localStorage');
  t.equal(storage.cookie, '', 'no cookie');
  t.notOk(m.requests.some((r) => r.includes(moderatorKey)), 'never in a URL');

  await m.page.reload();
  await m.page.waitForSelector('#console[data-state=ready]', { timeout: 10_000 });
  t.pass('a reload in the same tab stays signed in');

  await m.page.click('button.console-signout');
  await m.page.waitForSelector('#console[data-state=signed-out]', { timeout: 10_000 });
  t.notOk((await m.page.evaluate(() => JSON.stringify(sessionStorage))).includes(moderatorKey), 'signing out forgets the key');
});

await stack.test('a wrong key is refused with the API\'s message; another forum\'s key is refused too', async (t, open) => {
  const { forum } = await api.forum();
  const other = await api.forum();
  const wrong = 'pmk_not-the-key-of-anything';
  const apiSays = (await api.req('GET', `/v1/forums/${forum.slug}`, { token: wrong })).body.error.message;
  const m = await openConsole(stack, open, { allow: [/Failed to load resource.*(401|404)/] });
  await signInWithKey(m.page, forum.slug, wrong, true);
  await m.page.waitForSelector('.console-signin .console-error:not(:empty)');
  t.equal(await m.page.locator('.console-signin .console-error').innerText(), apiSays, 'the API\'s own message');
  t.equal(await m.page.getAttribute('#console', 'data-state'), 'signed-out');

  await signInWithKey(m.page, forum.slug, other.moderatorKey, true);
  await m.page.waitForFunction(() => /does not moderate/.test(document.querySelector('.console-signin .console-error')?.textContent ?? ''));
  t.equal(await m.page.evaluate(() => sessionStorage.length), 0, 'nothing kept after a refusal');

  const unknown = (await api.req('GET', '/v1/forums/no-such-forum-here')).body.error.message;
  await signInWithKey(m.page, 'no-such-forum-here', other.moderatorKey, true);
  await m.page.waitForFunction((msg) => document.querySelector('.console-signin .console-error')?.textContent === msg, unknown);
  t.pass('an unknown forum: the API\'s message');
});

await stack.test('signing in with a moderator account; a wrong password and an account without a role are refused', async (t, open) => {
  const { forum } = await api.forum();
  const mod = await moderatorAccount(api, forum.slug, `console-mod-${process.pid}`);
  const outsider = await api.req('POST', '/v1/users', { body: { username: `console-out-${process.pid}`, email: 'out@example.com', password: 'a long enough password' } });
  const wrongPassword = (await api.req('POST', '/v1/sessions', { body: { username: mod.username, password: 'not the password at all' } })).body.error.message;

  const m = await openConsole(stack, open, { allow: [/Failed to load resource.*401/] });
  await signInWithAccount(m.page, forum.slug, mod.username, 'not the password at all', true);
  await m.page.waitForFunction((msg) => document.querySelector('.console-signin .console-error')?.textContent === msg, wrongPassword);
  t.pass('a wrong password: the API\'s message');

  await signInWithAccount(m.page, forum.slug, outsider.body.user.username, undefined, true);
  await m.page.waitForFunction(() => /does not moderate/.test(document.querySelector('.console-signin .console-error')?.textContent ?? ''));
  t.pass('an account without a role in the forum is refused');
  const sessionsOf = async (id: string) => (await api.everywhere('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [id])).reduce((n, r) => n + r.n, 0);
  await until('the refused account\'s console session to end', 5000, async () => ((await sessionsOf(outsider.body.user.id)) === 1 ? true : undefined));
  t.pass('and the session the console opened for it is ended again');

  await signInWithAccount(m.page, forum.slug, mod.username);
  t.match(await m.page.locator('.console-who').innerText(), new RegExp(mod.username));
  t.equal(await m.page.locator('input[name=password]').count(), 0, 'the password is not left in the page');
  await m.page.waitForSelector('#console[data-live=on]', { timeout: 10_000 });
  t.pass('the account\'s session admits the live queue subscription too');

  await m.page.click('button.console-signout');
  await m.page.waitForSelector('#console[data-state=signed-out]', { timeout: 10_000 });
  t.equal(await sessionsOf(mod.id), 1, 'signing out ended the console\'s session (the one left is the account\'s own from registering)');
});

await stack.test('a key rotated while the console is open signs it out, saying why', async (t, open) => {
  const { forum, moderatorKey } = await api.forum();
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, forum.slug, moderatorKey);
  await m.page.waitForSelector('#console[data-live=on]', { timeout: 10_000 });
  t.equal((await api.req('POST', `/v1/forums/${forum.slug}/moderator-key`, { token: ADMIN_TOKEN })).status, 201, 'the owner rotates the key');
  await m.page.waitForSelector('#console[data-state=signed-out]', { timeout: 10_000 });
  t.match(await m.page.locator('.console-signin .console-error').innerText(), /^Signed out: /, 'the sign-in form says why');
  t.equal(await m.page.inputValue('input[name=forum]'), forum.slug, 'with the forum filled in');
  t.notOk((await m.page.evaluate(() => JSON.stringify(sessionStorage))).includes(moderatorKey), 'the old key is forgotten');
});
