// An invitation's link in real Chromium: the page takes the account's sign-in, accepts with that
// session and ends it again, under its strict CSP; the token never appears in a URL a server sees.
import t from 'tap';
import { chromium, type Browser } from 'playwright-core';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../test/harness/browser.ts';
import { accountsEnv, linkOf, PASSWORD } from './accounts-env.ts';
import { openLinkPage } from './link-page.ts';

const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
t.teardown(() => browser.close());

t.test('the invitee signs in on the page and holds the role', async (t) => {
  const env = await accountsEnv(t);
  const { forum } = await env.api.forum();
  const dan = await env.register('page-dan', 'dan@example.com');
  await env.http('POST', `/v1/forums/${forum.slug}/invites`, { token: ADMIN_TOKEN, body: { email: 'dan@example.com', role: 'moderator' } });
  const { url, token } = linkOf((await env.mails(2)).find((m) => /invited/.test(m.subject))!);

  const { page, requested, violations } = await openLinkPage(t, browser, env.base, url);
  await page.fill('#username', 'page-dan');
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  await page.locator('#status').filter({ hasText: /do not match/ }).waitFor({ timeout: 10_000 });
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.locator('#status').filter({ hasText: /now a moderator/ }).waitFor({ timeout: 10_000 });

  const roles = (await env.http('GET', `/v1/forums/${forum.slug}/roles`, { token: ADMIN_TOKEN })).body.roles;
  t.match(roles, [{ userId: dan.id, role: 'moderator', grantedBy: 'admin' }], 'the role is held');
  const sessions = (await env.http('GET', '/v1/sessions', { token: dan.token })).body.sessions;
  t.equal(sessions.length, 1, "the page's own session ended; only the test's remains");
  t.equal(new URL(page.url()).hash, '', 'the token left the address bar');
  t.notOk(requested.some((u) => u.includes(token.split('.')[1])), 'no request URL carries the token');
  t.same(violations, [], 'no CSP violation');
});
