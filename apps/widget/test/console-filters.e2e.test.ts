// The console's queue filters and readers' reports, in real Chromium: a click on a reason code
// shows only the comments held for it, an author filter only theirs, and the flagged queue shows
// how many readers reported a published comment and, on demand, their reports.
import t from 'tap';
import { browserStack, type Page } from '../../../test/harness/browser.ts';
import { openConsole, signInWithKey } from './console-page.ts';

const stack = await browserStack(t, { moderationRules: true });
const { api } = stack;
const item = (page: Page, id: string) => page.locator(`li.console-item[data-post-id="${id}"]`);
const shown = (page: Page) => page.$$eval('li.console-item', (els) => els.map((el) => (el as HTMLElement).dataset.postId));

await stack.test('a reason code filters the held queue; so does an author', async (t, open) => {
  const rules = { moderation: { newCommenter: { enabled: true }, spamHeuristics: { minMsAfterWidgetLoad: 0 }, blocklist: { enabled: true, entries: [{ kind: 'word', term: 'casino', action: 'hold' }] } } };
  const { slug, moderatorKey, thread } = await stack.thread(rules);
  const { post: casino } = await api.post(thread.id, { message: 'casino night tonight', author: { name: 'Cas', email: 'cas@example.com' } });
  const { post: hello } = await api.post(thread.id, { message: 'hello everyone', author: { name: 'Hel', email: 'hel@example.com' } });
  t.same([casino.status, hello.status], ['pending', 'pending'], 'both held');
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await item(m.page, casino.id).waitFor();
  await item(m.page, hello.id).waitFor();

  await item(m.page, casino.id).locator('.console-reasons li[data-code=blocklisted_word] b').click();
  // the list is drawn again from the filtered answer: wait for the other to go and this one to be there
  await item(m.page, hello.id).waitFor({ state: 'detached' });
  await item(m.page, casino.id).waitFor();
  t.same(await shown(m.page), [casino.id], 'only the comment held for that reason');
  t.equal(await m.page.inputValue('input[name=reason]'), 'blocklisted_word');

  await m.page.fill('input[name=reason]', '');
  await m.page.fill('input[name=author]', 'hel@example.com');
  await m.page.press('input[name=author]', 'Enter');
  await item(m.page, casino.id).waitFor({ state: 'detached' });
  await item(m.page, hello.id).waitFor();
  t.same(await shown(m.page), [hello.id], 'only that guest\'s comments');
});

await stack.test('the flagged queue: published comments readers reported, with their reports', async (t, open) => {
  const { slug, moderatorKey, thread } = await stack.thread({ moderation: { spamHeuristics: { minMsAfterWidgetLoad: 0 } } });
  const { post } = await api.post(thread.id, { message: 'a contested opinion' });
  t.equal(post.status, 'approved');
  for (const [voter, reason, note] of [['reader-one-0123456789', 'abuse', 'rude'], ['reader-two-0123456789', 'off_topic', undefined]] as const) {
    const r = await api.req('POST', `/v1/posts/${post.id}/flags`, { headers: { 'x-parley-voter': voter }, body: { reason, ...(note ? { note } : {}) } });
    t.equal(r.status, 201, `${voter} reports it`);
  }
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await m.page.selectOption('select.console-filter', 'flagged');
  await item(m.page, post.id).waitFor();
  t.match(await item(m.page, post.id).locator('.console-reasons li[data-code=flagged]').innerText(), /reported by 2 readers/);
  await item(m.page, post.id).locator('button.console-reports').click();
  await item(m.page, post.id).locator('.console-report-list li').nth(1).waitFor();
  const reports = await item(m.page, post.id).locator('.console-report-list li').allInnerTexts();
  t.equal(reports.length, 2);
  t.ok(reports.some((r) => /abuse: rude \(a guest/.test(r)), 'the reason, the note, who');
  t.ok(reports.some((r) => /off_topic/.test(r)));
});
