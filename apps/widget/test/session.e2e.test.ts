// Signing in, in real Chromium, with the host page on another origin under the strict policy:
// sign up, post as the user (name shown), sign out, sign in; the host page's scripts cannot find
// the session token (it lives in the session frame, on the API's origin); the frame ignores
// messages from any other origin; the frame's own headers.
import t from 'tap';
import { browserStack, ownSel, waitText, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;
const PASSWORD = 'a long enough password';

const frameOf = (r: Reader) => r.page.frameLocator('iframe.parley-session');
const sessionFrame = (r: Reader) => r.page.frames().find((f) => f.url().includes('/widget/session.html'))!;
const signedIn = (r: Reader, yes: boolean) => r.page.waitForSelector(`section.parley[data-signed-in="${yes}"]`, { timeout: 5000 });
const sessionsWith = async (token: string) => (await api.req('GET', '/v1/sessions', { token })).status;

/** Signs up in the frame; returns the token the API answered (to the frame). */
async function signUp(r: Reader, username: string): Promise<string> {
  const f = frameOf(r);
  await f.locator('button.parley-signup').click();
  await f.locator('input[name=username]').fill(username);
  await f.locator('input[name=email]').fill(`${username}@example.com`);
  await f.locator('input[name=password]').fill(PASSWORD);
  const [res] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'POST' && new URL(x.url()).pathname === '/v1/users'), f.locator('button.parley-submit').click()]);
  if (res.status() !== 201) throw new Error(`sign-up answered ${res.status()}`);
  await signedIn(r, true);
  return (await res.json()).token;
}

async function signIn(r: Reader, username: string, password = PASSWORD): Promise<number> {
  const f = frameOf(r);
  await f.locator('button.parley-signin').click();
  await f.locator('input[name=username]').fill(username);
  await f.locator('input[name=password]').fill(password);
  const [res] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'POST' && new URL(x.url()).pathname === '/v1/sessions'), f.locator('button.parley-submit').click()]);
  return res.status();
}

/** Everything the host page's own scripts can read: its storage, cookies and DOM. */
const hostView = (r: Reader) =>
  r.page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, dom: document.documentElement.outerHTML, name: window.name }));

await stack.test('sign up, post as the user, sign out, sign in again; the page never holds the token', async (t, open) => {
  // a forum that lists its site: the frame (on the API's origin) posts for it all the same
  const { url } = await stack.thread({ allowedOrigins: [stack.hostUrl] });
  const r = await open(url, { allow: [/status of 401/] });
  await frameOf(r).locator('button.parley-signin').waitFor();
  t.equal(await r.widget.getAttribute('data-signed-in'), 'false', 'signed out to begin with');
  t.ok(await r.widget.locator(':scope > form.parley-composer .parley-who').isVisible(), 'a guest sees the name and email fields');

  const token = await signUp(r, 'frame-ann');
  await waitText(r.page, 'section.parley', /./);
  t.equal(await frameOf(r).locator('.parley-me').innerText(), 'frame-ann', 'the account bar names the reader');
  t.notOk(await r.widget.locator(':scope > form.parley-composer .parley-who').isVisible(), 'signed in, the guest fields are gone');

  const post = await r.compose('posted as a user');
  t.equal(await r.page.locator(ownSel(post.id, '.parley-author')).innerText(), 'frame-ann', 'the comment shows the user\'s name');
  const listed = (await api.req('GET', `/v1/posts/${post.id}`)).body;
  t.ok(listed, 'the post exists');
  // edit it: through the frame, with the user's token
  await r.page.click(ownSel(post.id, 'button.parley-edit'));
  await r.post(post.id).locator(':scope > form.parley-editor textarea').fill('edited as a user');
  const [edited] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'PATCH'), r.post(post.id).locator('button.parley-save').click()]);
  t.equal(edited.status(), 200, 'the user edits their comment');
  await waitText(r.page, ownSel(post.id, '.parley-body'), 'edited as a user');

  // where the token is, and is not
  const seen = await hostView(r);
  t.notOk(seen.includes(token), 'the host page\'s storage, cookies and DOM do not hold the token');
  t.notOk(seen.includes(token.slice(4, 24)), 'nor a part of it');
  t.ok((await sessionFrame(r).evaluate(() => JSON.stringify({ ...localStorage }))).includes(token), 'the session frame holds it (so the search above could have found it)');

  await r.page.reload();
  await r.page.waitForSelector('section.parley[data-state=ready]');
  await signedIn(r, true);
  t.pass('a reload keeps the reader signed in');

  await frameOf(r).locator('button.parley-signout').click();
  await signedIn(r, false);
  t.equal(await sessionsWith(token), 401, 'signing out ended the session on the server');

  t.equal(await signIn(r, 'frame-ann', 'not the password'), 401, 'a wrong password is refused');
  await waitText(r.page, 'section.parley', /./);
  t.equal(await frameOf(r).locator('.parley-error').innerText(), 'That username and password do not match.', 'and the frame says so');
  await frameOf(r).locator('button.parley-cancel').click();
  t.equal(await signIn(r, 'frame-ann'), 201, 'the right one signs in');
  await signedIn(r, true);
  const again = await r.compose('back again');
  t.equal(again.author.name, 'frame-ann');
});

await stack.test('the frame answers only the page that framed it', async (t, open) => {
  const { url } = await stack.thread();
  const r = await open(url);
  await frameOf(r).locator('button.parley-signin').waitFor();
  await signUp(r, 'frame-bea');
  // A page on another origin (localhost, not 127.0.0.1) that got hold of the frame's window
  // (here: the host page opened it) asks the frame to act; the frame ignores it.
  const evilUrl = url.replace('127.0.0.1', 'localhost');
  const [popup] = await Promise.all([r.context.waitForEvent('page'), r.page.evaluate((u) => void window.open(u), evilUrl)]);
  await popup.waitForLoadState();
  t.not(new URL(popup.url()).origin, new URL(url).origin, 'the other page is on another origin');
  // (a second listener in the frame records what arrives, to show the messages were delivered)
  await sessionFrame(r).evaluate(() => {
    (window as any).arrived = [];
    addEventListener('message', (e) => (window as any).arrived.push(e.origin));
  });
  await popup.evaluate(() => {
    for (const op of ['signOut', 'me']) window.opener.frames[0].postMessage({ parley: 'call', id: 7, op }, '*');
  });
  await sessionFrame(r).waitForFunction(() => (window as any).arrived.length >= 2);
  t.same(await sessionFrame(r).evaluate(() => (window as any).arrived), [new URL(evilUrl).origin, new URL(evilUrl).origin], 'the frame got both messages');
  // the host page's own call, after it: answered, and the reader is still signed in
  const me = await r.page.evaluate(
    (apiOrigin) =>
      new Promise((resolve) => {
        const frame = document.querySelector<HTMLIFrameElement>('iframe.parley-session')!;
        addEventListener('message', (e) => e.source === frame.contentWindow && e.data?.parley === 'result' && e.data.id === 8 && resolve(e.data));
        frame.contentWindow!.postMessage({ parley: 'call', id: 8, op: 'me' }, apiOrigin);
      }),
    new URL(stack.apiUrl).origin,
  );
  t.match(me, { ok: true, value: { username: 'frame-bea' } }, 'the framing page is answered, with the public fields');
  t.notOk(JSON.stringify(me).includes('token'), 'never with the token');
  t.equal(await r.widget.getAttribute('data-signed-in'), 'true', 'the other origin\'s sign-out was ignored');
  await popup.close();
});

await stack.test('the frame\'s headers: its own strict policy, framed only by an allowed page', async (t) => {
  const { forum } = await api.forum(undefined, { allowedOrigins: [stack.hostUrl] });
  const get = (origin: string, slug = forum.slug) => fetch(`${stack.apiUrl}/widget/session.html?${new URLSearchParams({ forum: slug, origin })}`);
  const ok = await get(stack.hostUrl);
  t.equal(ok.status, 200);
  const csp = ok.headers.get('content-security-policy') ?? '';
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", `frame-ancestors ${stack.hostUrl}`]) t.ok(csp.split('; ').includes(d), `CSP has ${d}`);
  t.notMatch(csp, /unsafe-/);
  t.equal(ok.headers.get('referrer-policy'), 'no-referrer');
  t.equal(ok.headers.get('cache-control'), 'no-cache', 'revalidated: its policy follows the forum\'s settings');
  const refused = await get('https://elsewhere.example');
  t.same([refused.status, (await refused.json()).error.code], [403, 'origin_not_allowed'], 'a page the forum does not list gets no frame');
  t.equal((await get('javascript:alert(1)')).status, 400, 'an origin that is not one is refused');
  t.equal((await get(stack.hostUrl, 'no-such-forum')).status, 404);
  const js = await fetch(`${stack.apiUrl}/widget/session.js`);
  t.equal(js.status, 200);
  t.equal(js.headers.get('access-control-allow-origin'), null, 'the frame\'s script is for the frame, not for other sites');
});
