// What the moderation console's browser tests share: a moderator account of a forum, the console
// opened on the API's origin, and its two ways of signing in (apps/widget/src/console/).
import type { TestApi } from '../../../test/harness/app.ts';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import type { BrowserStack, Open, Page, Reader } from '../../../test/harness/browser.ts';

export const PASSWORD = 'a long enough password';

/** A Parley account with the role `role` in the forum. */
export async function moderatorAccount(api: TestApi, slug: string, username: string, role: 'moderator' | 'owner' = 'moderator'): Promise<{ id: string; token: string; username: string }> {
  const made = await api.req('POST', '/v1/users', { body: { username, email: `${username}@example.com`, password: PASSWORD } });
  if (made.status !== 201) throw new Error(`account: ${made.status} ${JSON.stringify(made.body)}`);
  const granted = await api.req('PUT', `/v1/forums/${slug}/roles/${made.body.user.id}`, { token: ADMIN_TOKEN, body: { role } });
  if (granted.status !== 200) throw new Error(`role: ${granted.status} ${JSON.stringify(granted.body)}`);
  return { id: made.body.user.id, token: made.body.token, username };
}

/** The console at /moderate, signed out. */
export async function openConsole(stack: BrowserStack, open: Open, opts: { label?: string; allow?: RegExp[] } = {}): Promise<Reader> {
  const r = await open(`${stack.apiUrl}/moderate`, { waitReady: false, label: opts.label ?? 'moderator', allow: opts.allow });
  await r.page.waitForSelector('#console[data-state=signed-out] form.console-signin', { timeout: 10_000 });
  return r;
}

async function fillForum(page: Page, slug: string, method: 'key' | 'account'): Promise<void> {
  await page.fill('input[name=forum]', slug);
  await page.check(`input[name=method][value=${method}]`);
}

/** Signs in with the forum's moderator key; waits for the console unless `expectError`. */
export async function signInWithKey(page: Page, slug: string, key: string, expectError = false): Promise<void> {
  await fillForum(page, slug, 'key');
  await page.fill('input[name=key]', key);
  await page.click('form.console-signin button[type=submit]');
  if (!expectError) await page.waitForSelector('#console[data-state=ready]', { timeout: 10_000 });
}

export async function signInWithAccount(page: Page, slug: string, username: string, password = PASSWORD, expectError = false): Promise<void> {
  await fillForum(page, slug, 'account');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('form.console-signin button[type=submit]');
  if (!expectError) await page.waitForSelector('#console[data-state=ready]', { timeout: 10_000 });
}

/** Opens a tab of the signed-in console. */
export const openTab = (page: Page, tab: 'queue' | 'bans' | 'blocklist' | 'rules' | 'log') => page.click(`nav.console-tabs button[data-tab=${tab}]`);
