// The links of account emails in real Chromium: one click opens the page, which posts the token
// from the fragment (no URL any server sees holds it, and the address bar drops it), under the
// page's strict CSP without a violation. Verification completes by itself; a reset takes the new
// password typed on the page.
import t from 'tap';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../test/harness/browser.ts';
import type { TapTest } from '../../../test/harness/db.ts';
import { accountsEnv, linkOf, type AccountsEnv } from './accounts-env.ts';
import { openLinkPage } from './link-page.ts';

const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
t.teardown(() => browser.close());

const open = (t: TapTest, env: AccountsEnv, link: URL) => openLinkPage(t, browser, env.base, link);

const statusSays = (page: Page, text: RegExp) => page.locator('#status').filter({ hasText: text }).waitFor({ timeout: 10_000 });

t.test('one click verifies the address', async (t) => {
  const env = await accountsEnv(t);
  const ada = await env.register('page-ada', 'ada@example.com');
  const { url, token } = linkOf((await env.mails(1))[0]);
  const { page, requested, violations } = await open(t, env, url);
  await statusSays(page, /your email address is verified/);
  t.equal((await env.http('GET', '/v1/users/me', { token: ada.token })).body.user.emailVerified, true);
  t.equal(new URL(page.url()).hash, '', 'the token left the address bar');
  t.notOk(requested.some((u) => u.includes(token.split('.')[1])), 'no request URL carries the token');
  t.same(violations, [], 'no CSP violation');
});

t.test('a used link says so', async (t) => {
  const env = await accountsEnv(t);
  await env.register('page-bob', 'bob@example.com');
  const { url, token } = linkOf((await env.mails(1))[0]);
  await env.http('POST', '/v1/email-verifications', { body: { token } });
  const { page } = await open(t, env, url);
  await statusSays(page, /not valid, was used already or has expired/);
  t.pass('the API\'s message is shown');
});

t.test('the reset page sets the password typed on it', async (t) => {
  const env = await accountsEnv(t);
  await env.register('page-cleo', 'cleo@example.com');
  await env.mails(1);
  await env.http('POST', '/v1/password-resets', { body: { email: 'cleo@example.com' } });
  const { url } = linkOf((await env.mails(2))[1]);
  const { page, violations } = await open(t, env, url);
  await page.fill('#password', 'typed on the page');
  await page.fill('#again', 'typed on the page');
  await page.click('button[type=submit]');
  await statusSays(page, /Your password is changed/);
  t.equal((await env.http('POST', '/v1/sessions', { body: { username: 'page-cleo', password: 'typed on the page' } })).status, 201);
  t.same(violations, []);
});
