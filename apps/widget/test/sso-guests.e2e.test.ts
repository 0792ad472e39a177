// Single sign-on and the guest policy in real Chromium, the host page on another origin under the
// strict policy: the site's remote_auth_s3 value (data-parley-sso) signs the reader in without a
// click, another user's value replaces the session, the signed empty object (`e30=`) signs out;
// a JWT (data-parley-sso-jwt) signs in too. A forum for signed-in readers asks guests to sign in;
// a missing email is called missing, in English and German; an optional one may stay empty.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { browserStack, ownSel, waitText, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;

/** the Disqus remote_auth_s3 value, as a site's server makes it (computed here, not by Parley's code) */
function remoteAuth(secret: string, data: object, ts = Math.floor(Date.now() / 1000)): string {
  const message = Buffer.from(JSON.stringify(data)).toString('base64');
  return `${message} ${createHmac('sha1', secret).update(`${message} ${ts}`).digest('hex')} ${ts}`;
}

/** an HS256 JWT, as a site's server makes it */
function jwtHs256(secret: string, claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

const frameOf = (r: Reader) => r.page.frameLocator('iframe.parley-session');
const signedIn = (r: Reader, yes: boolean) => r.page.waitForSelector(`section.parley[data-signed-in="${yes}"]`, { timeout: 5000 });
const ssoAnswer = (r: Reader) => r.page.waitForResponse((x) => x.request().method() === 'POST' && new URL(x.url()).pathname.startsWith('/v1/sso/'));

await stack.test('the site signs the reader in and out, without a click', async (t, open) => {
  const { forum, moderatorKey } = await api.forum();
  const secret = (await api.req('POST', `/v1/forums/${forum.slug}/sso-secret`, { token: moderatorKey })).body.secret as string;
  const thread = await api.thread(forum.slug, 'sso-article');
  const page = (sso?: string, ssoJwt?: string) => stack.article({ forum: forum.slug, identifier: thread.identifier, sso, ssoJwt });
  // the avatar is on the host's own origin (its policy allows 'self' images); it answers 204
  const sam = { id: 'site-7', username: 'Site Sam', email: 'sam@example.com', avatar: `${stack.hostUrl}/favicon.ico` };

  const r = await open(page(remoteAuth(secret, sam)), { waitReady: false });
  const first = await (await ssoAnswer(r)).json();
  await signedIn(r, true);
  await waitText(r.page, 'section.parley', /./);
  t.equal(await frameOf(r).locator('.parley-me').innerText(), 'Site Sam', 'signed in as the site\'s user, no click');
  t.equal(await frameOf(r).locator('img.parley-avatar').getAttribute('src'), sam.avatar, 'with the site\'s avatar');
  await r.page.waitForSelector('section.parley[data-state=ready]');
  const post = await r.compose('signed in by my site');
  t.equal(await r.page.locator(ownSel(post.id, '.parley-author')).innerText(), 'Site Sam', 'the comment shows the site\'s name');
  t.equal(await r.page.locator(ownSel(post.id, 'img.parley-avatar')).getAttribute('src'), sam.avatar, 'and avatar');

  // the same user on the next page keeps the session it has
  const requests = r.requests.length;
  await r.page.goto(page(remoteAuth(secret, sam, Math.floor(Date.now() / 1000) - 5)));
  await r.page.waitForSelector('section.parley[data-state=ready]');
  await signedIn(r, true);
  t.notOk(r.requests.slice(requests).some((x) => x.startsWith('POST /v1/sso/')), 'the same site user is not signed in again');

  // another user: replaces the session
  const [second] = await Promise.all([ssoAnswer(r), r.page.goto(page(remoteAuth(secret, { id: 'site-8', username: 'Site Tom', email: 'tom@example.com' })))]);
  const tom = await second.json();
  await waitText(r.page, 'section.parley', /./);
  await frameOf(r).locator('.parley-me', { hasText: 'Site Tom' }).waitFor();
  t.pass('another site user replaces the first');
  await t.resolveMatch(api.req('GET', '/v1/sessions', { token: first.token }).then((x) => x.status), 401, 'whose session ended');

  // the signed empty object: signed out
  await Promise.all([ssoAnswer(r), r.page.goto(page(remoteAuth(secret, {})))]);
  await signedIn(r, false);
  await frameOf(r).locator('button.parley-signin').waitFor();
  t.equal((await api.req('GET', '/v1/sessions', { token: tom.token })).status, 401, 'the site signed the reader out, and the session ended');

  // a JWT the site signed
  const jwt = jwtHs256(secret, { sub: 'site-9', name: 'Jay Site', email: 'jay@example.com', aud: forum.slug, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 });
  await r.page.goto(page(undefined, jwt));
  await signedIn(r, true);
  await frameOf(r).locator('.parley-me', { hasText: 'Jay Site' }).waitFor();
  t.pass('a JWT signs in too');
});

await stack.test('a forum for signed-in readers asks guests to sign in', async (t, open) => {
  const { url } = await stack.thread({ guestsMayPost: false });
  const r = await open(url, { allow: [/status of 401/] });
  const top = r.widget.locator(':scope > form.parley-composer');
  t.ok(await top.locator('.parley-signin-note').isVisible(), 'the composer says to sign in');
  t.notOk(await top.locator('.parley-who').isVisible(), 'and asks for no guest name');
  await top.locator('textarea[name=message]').fill('as a guest?');
  const [res] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'POST'), top.locator('button.parley-submit').click()]);
  t.equal(res.status(), 401, 'the API refuses a guest');
  await waitText(r.page, 'section.parley > form.parley-composer .parley-error', 'Sign in above to comment.');

  const f = frameOf(r);
  await f.locator('button.parley-signup').click();
  await f.locator('input[name=username]').fill('policy-kim');
  await f.locator('input[name=email]').fill('kim@example.com');
  await f.locator('input[name=password]').fill('a long enough password');
  await f.locator('button.parley-submit').click();
  await signedIn(r, true);
  t.notOk(await top.locator('.parley-signin-note').isVisible(), 'signed in, the note goes');
  const post = await r.compose('signed in first');
  t.equal(post.author.name, 'policy-kim', 'and the reader posts');
});

await stack.test('a missing email is called missing (en, de); an optional one may stay empty', async (t, open) => {
  for (const [lang, text] of [
    ['en', 'Please give your email address (it is never shown).'],
    ['de', 'Bitte gib deine E-Mail-Adresse an (sie wird nie angezeigt).'],
  ]) {
    const { url } = await stack.thread(undefined, { lang });
    const r = await open(url, { label: lang, allow: [/status of 400/] });
    const top = r.widget.locator(':scope > form.parley-composer');
    await top.locator('input[name=name]').fill('Ann');
    await top.locator('textarea[name=message]').fill('no email');
    const [res] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'POST' && x.url().endsWith('/posts')), top.locator('button.parley-submit').click()]);
    t.equal((await res.json()).error.code, 'email_required', `${lang}: the API says it is missing`);
    await waitText(r.page, 'section.parley > form.parley-composer .parley-error', text);
  }

  const { url } = await stack.thread({ guestEmailRequired: false });
  const r = await open(url, { label: 'optional' });
  const top = r.widget.locator(':scope > form.parley-composer');
  t.equal(await top.locator('.parley-email-label').innerText(), 'Email (optional, never shown)', 'the label says it is optional');
  await top.locator('input[name=name]').fill('Ann');
  await top.locator('input[name=email]').fill('');
  const post = await r.compose('no email needed');
  t.equal(post.author.name, 'Ann', 'a guest posts without one');
});
