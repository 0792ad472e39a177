// The console's rule settings and blocklist, in real Chromium: a change is saved through the API
// (read back from it), and a bad value shows the API's own message for that same value.
import t from 'tap';
import { browserStack } from '../../../test/harness/browser.ts';
import { openConsole, openTab, signInWithKey } from './console-page.ts';

const stack = await browserStack(t);
const { api } = stack;

/** The forum's rules as its moderators read them from the API. */
const rulesOf = async (slug: string, key: string) => (await api.req('GET', `/v1/forums/${slug}`, { token: key })).body.forum.settings;

await stack.test('rule settings are saved; a bad value shows the API\'s message and saves nothing', async (t, open) => {
  const { forum, moderatorKey } = await api.forum();
  const m = await openConsole(stack, open, { allow: [/Failed to load resource.*400/] });
  await signInWithKey(m.page, forum.slug, moderatorKey);
  await openTab(m.page, 'rules');
  const form = m.page.locator('form.console-rules');
  await form.waitFor();

  await form.locator('input[name="links.maxLinks"]').fill('5');
  await form.locator('input[name="newCommenter.holdFirstGuestEmail"]').uncheck();
  await form.locator('select[name="links.newCommenterLinks"]').selectOption('spam');
  await form.locator('input[name=preModeration]').check();
  await form.locator('button.console-save').click();
  await m.page.waitForFunction(() => document.querySelector('.console-status')?.textContent === 'Rules saved.');
  const saved = await rulesOf(forum.slug, moderatorKey);
  t.equal(saved.moderation.links.maxLinks, 5, 'a number');
  t.equal(saved.moderation.newCommenter.holdFirstGuestEmail, false, 'a switch');
  t.equal(saved.moderation.links.newCommenterLinks, 'spam', 'a choice');
  t.equal(saved.preModeration, true, 'pre-moderation');
  t.equal(saved.moderation.spamHeuristics.repeatedTextCount, 3, 'what was not touched keeps its value');

  const bad = { settings: { moderation: { spamHeuristics: { ...saved.moderation.spamHeuristics, repeatedTextCount: 1 } } } };
  const apiSays = await api.req('PATCH', `/v1/forums/${forum.slug}`, { token: moderatorKey, body: bad });
  t.equal(apiSays.status, 400, 'the API refuses repeatedTextCount 1');
  await form.locator('input[name="spamHeuristics.repeatedTextCount"]').fill('1');
  await form.locator('button.console-save').click();
  await m.page.waitForFunction((msg) => document.querySelector('form.console-rules .console-error')?.textContent === msg, apiSays.body.error.message);
  t.pass(`the console shows the API's message: ${apiSays.body.error.message}`);
  t.equal((await rulesOf(forum.slug, moderatorKey)).moderation.spamHeuristics.repeatedTextCount, 3, 'nothing saved');

  await form.locator('input[name="links.maxLinks"]').fill('');
  await form.locator('input[name="spamHeuristics.repeatedTextCount"]').fill('3');
  await form.locator('button.console-save').click();
  await m.page.waitForFunction(() => /maxLinks/.test(document.querySelector('form.console-rules .console-error')?.textContent ?? ''));
  t.pass('an emptied number is refused by the API, naming the field');
});

await stack.test('the blocklist: entries with their actions are saved whole; a bad entry shows the API\'s message', async (t, open) => {
  const { forum, moderatorKey } = await api.forum();
  const m = await openConsole(stack, open, { allow: [/Failed to load resource.*400/] });
  await signInWithKey(m.page, forum.slug, moderatorKey);
  await openTab(m.page, 'blocklist');
  const form = m.page.locator('form.console-blocklist');
  const add = async (kind: string, term: string, action: string) => {
    await form.locator('button.console-add').click();
    const row = form.locator('li.console-entry').last();
    await row.locator('select[name=kind]').selectOption(kind);
    await row.locator('input[name=term]').fill(term);
    await row.locator('select[name=action]').selectOption(action);
  };
  await add('word', 'casino', 'spam');
  await add('domain', 'spam.example', 'reject');
  await add('word', 'darn', 'mask');
  await form.locator('button.console-save').click();
  await m.page.waitForFunction(() => /Blocklist saved: 3 entries/.test(document.querySelector('.console-status')?.textContent ?? ''));
  t.same((await rulesOf(forum.slug, moderatorKey)).moderation.blocklist.entries, [
    { kind: 'word', term: 'casino', action: 'spam' },
    { kind: 'domain', term: 'spam.example', action: 'reject' },
    { kind: 'word', term: 'darn', action: 'mask' },
  ]);

  await form.locator('li.console-entry').nth(0).locator('button.console-remove').click();
  await add('domain', 'masked.example', 'mask');
  const apiSays = await api.req('PATCH', `/v1/forums/${forum.slug}`, {
    token: moderatorKey,
    body: { settings: { moderation: { blocklist: { enabled: true, entries: [{ kind: 'domain', term: 'spam.example', action: 'reject' }, { kind: 'word', term: 'darn', action: 'mask' }, { kind: 'domain', term: 'masked.example', action: 'mask' }] } } } },
  });
  t.equal(apiSays.status, 400);
  await form.locator('button.console-save').click();
  await m.page.waitForFunction((msg) => document.querySelector('form.console-blocklist .console-error')?.textContent === msg, apiSays.body.error.message);
  t.pass(`the API's message: ${apiSays.body.error.message}`);
  t.equal((await rulesOf(forum.slug, moderatorKey)).moderation.blocklist.entries.length, 3, 'nothing saved');
});
