// The moderation console's queue in real Chromium: the acceptance test (a held comment
// appears live in the console, is approved there, and reaches a reader's widget), the keyboard,
// bulk actions, banning an item's author, and an item another moderator handled leaving the list.
import t from 'tap';
import { browserStack, type Page } from '../../../test/harness/browser.ts';
import { openConsole, openTab, signInWithKey } from './console-page.ts';

// the moderation rules on (the harness turns them off for tests that are not about moderation)
const stack = await browserStack(t, { moderationRules: true });
const { api } = stack;
// new commenters held (first comments of a guest email wait for a moderator); no "too fast after
// the widget loaded" in a test that posts at once
const RULES = { moderation: { newCommenter: { enabled: true }, spamHeuristics: { minMsAfterWidgetLoad: 0 } } };

const item = (page: Page, id: string) => page.locator(`li.console-item[data-post-id="${id}"]`);
/** the post's status as the forum's moderators read its thread */
const postStatus = async (threadId: string, id: string, key: string): Promise<string> => {
  const r = await api.req('GET', `/v1/threads/${threadId}/posts?limit=100`, { token: key });
  return r.body.posts.find((p: { id: string }) => p.id === id)?.status ?? 'absent';
};
const live = (page: Page) => page.waitForSelector('#console[data-live=on]', { timeout: 10_000 });

await stack.test('a held comment appears live in the console, is approved there, and reaches a reader\'s widget', async (t, open) => {
  const { slug, moderatorKey, url, thread } = await stack.thread(RULES);
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await live(m.page);
  const [writer, reader] = [await open(url, { label: 'writer' }), await open(url, { label: 'reader' })];
  await Promise.all([writer.subscribed(), reader.subscribed()]);

  const post = await writer.compose('My first comment here', { name: 'Nova', email: 'nova@example.com' });
  t.equal(post.status, 'pending', 'a new guest\'s first comment is held (new-commenter rules)', { post });
  await item(m.page, post.id).waitFor({ timeout: 5000 });
  t.pass('it appears in the console without a reload');
  t.equal(await item(m.page, post.id).locator('.console-author').innerText(), 'Nova');
  t.match(await item(m.page, post.id).locator('.console-body').innerText(), /My first comment here/);
  t.match(await item(m.page, post.id).locator('.console-thread').innerText(), /A page|article/);
  const reasons = await item(m.page, post.id).locator('.console-reasons li').allInnerTexts();
  t.ok(reasons.length > 0, `the reasons it was held are shown: ${reasons.join('; ')}`);
  t.ok(await item(m.page, post.id).locator('.console-reasons li[data-code=first_guest_comment]').count(), 'first comment of a guest email');
  t.equal(await reader.post(post.id).count(), 0, 'the other reader does not see it yet');

  await item(m.page, post.id).locator('button.console-approve').click();
  await item(m.page, post.id).waitFor({ state: 'detached', timeout: 5000 });
  t.pass('approved, it leaves the queue');
  await reader.post(post.id).waitFor({ timeout: 5000 });
  t.equal(await reader.post(post.id).getAttribute('data-status'), 'approved', 'and reaches the other reader\'s widget, live');
  t.equal(await postStatus(thread.id, post.id, moderatorKey), 'approved');
});

await stack.test('keyboard: j/k move, a approves, s marks as spam, d deletes; the help line says so', async (t, open) => {
  const { slug, moderatorKey, thread } = await stack.thread({ preModeration: true, ...RULES });
  const ids: string[] = [];
  for (const n of [1, 2, 3, 4]) ids.push((await api.post(thread.id, { message: `held comment ${n}`, author: { name: `Guest ${n}`, email: `g${n}@example.com` } })).post.id);
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await item(m.page, ids[3]).waitFor();
  t.match(await m.page.locator('.console-help').innerText(), /j \/ k.*a approve.*s spam.*d delete.*b ban/);
  const selected = () => m.page.getAttribute('li.console-item[aria-selected=true]', 'data-post-id');
  t.equal(await selected(), ids[3], 'the newest is selected first');
  await m.page.keyboard.press('j');
  t.equal(await selected(), ids[2], 'j: the next');
  await m.page.keyboard.press('j');
  await m.page.keyboard.press('k');
  t.equal(await selected(), ids[2], 'k: back');

  await m.page.keyboard.press('a');
  await item(m.page, ids[2]).waitFor({ state: 'detached' });
  t.equal(await selected(), ids[1], 'the next item is selected after one leaves');
  await m.page.keyboard.press('s');
  await item(m.page, ids[1]).waitFor({ state: 'detached' });
  await m.page.keyboard.press('d');
  await item(m.page, ids[0]).waitFor({ state: 'detached' });
  t.equal(await postStatus(thread.id, ids[2], moderatorKey), 'approved', 'a approved');
  t.equal(await postStatus(thread.id, ids[1], moderatorKey), 'spam', 's marked as spam');
  t.ok(['deleted', 'absent'].includes(await postStatus(thread.id, ids[0], moderatorKey)), 'd deleted');

  await m.page.selectOption('select.console-filter', 'spam');
  await item(m.page, ids[1]).waitFor();
  t.pass('the spam queue shows the comment marked as spam');

  await m.page.focus('select.console-filter');
  await m.page.keyboard.press('d');
  t.equal(await postStatus(thread.id, ids[1], moderatorKey), 'spam', 'keys typed into a field do nothing');
});

await stack.test('bulk: select several, approve them at once', async (t, open) => {
  const { slug, moderatorKey, thread } = await stack.thread({ preModeration: true, ...RULES });
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push((await api.post(thread.id, { message: `bulk comment ${n}` })).post.id);
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await item(m.page, ids[0]).waitFor();
  await item(m.page, ids[0]).locator('.console-check').check();
  await item(m.page, ids[2]).locator('.console-check').check();
  await m.page.click('button.console-bulk-approve');
  await item(m.page, ids[0]).waitFor({ state: 'detached' });
  await item(m.page, ids[2]).waitFor({ state: 'detached' });
  t.equal(await item(m.page, ids[1]).count(), 1, 'the unselected one stays');
  t.equal(await postStatus(thread.id, ids[0], moderatorKey), 'approved');
  t.equal(await postStatus(thread.id, ids[2], moderatorKey), 'approved');
  t.equal(await postStatus(thread.id, ids[1], moderatorKey), 'pending');
  t.match(await m.page.locator('.console-status').innerText(), /Approved: 2 of 2/);
});

await stack.test('ban the author from an item: a suspension for N days; their next comment is refused; lifted in the bans tab', async (t, open) => {
  const { slug, moderatorKey, thread } = await stack.thread({ preModeration: true, ...RULES });
  const { post } = await api.post(thread.id, { message: 'buy my stuff', author: { name: 'Spammer', email: 'spammer@example.com' } });
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await item(m.page, post.id).waitFor();
  await item(m.page, post.id).click({ position: { x: 5, y: 5 } });
  await m.page.keyboard.press('b');
  const form = item(m.page, post.id).locator('form.console-ban-form');
  await form.waitFor();
  await form.locator('select[name=mode]').selectOption('suspend');
  await form.locator('input[name=days]').fill('3');
  await form.locator('input[name=reason]').fill('selling things');
  await form.locator('button[type=submit]').click();
  await m.page.waitForFunction(() => /Spammer is banned until/.test(document.querySelector('.console-status')?.textContent ?? ''));
  const { bans } = (await api.req('GET', `/v1/forums/${slug}/bans`, { token: moderatorKey })).body;
  t.equal(bans.length, 1, 'one ban');
  t.match(bans[0], { kind: 'email', postId: post.id, value: null, mode: 'ban', reason: 'selling things' }, 'of the author\'s email, never shown');
  const days = (Date.parse(bans[0].expiresAt) - Date.now()) / 86_400_000;
  t.ok(days > 2.9 && days <= 3, `expires in 3 days (${days.toFixed(3)})`);
  const again = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'more stuff', author: { name: 'Spammer', email: 'spammer@example.com' } } });
  t.equal(again.status, 403, 'the author\'s next comment is refused', { body: again.body });
  t.equal(again.body.error.code, 'author_banned');

  await openTab(m.page, 'bans');
  const row = m.page.locator(`li.console-ban[data-ban-id="${bans[0].id}"]`);
  await row.waitFor();
  t.match(await row.innerText(), /author of comment .*suspension.*until.*selling things/s, 'the bans tab lists it with its expiry and reason');
  await row.locator('button.console-lift').click();
  await row.waitFor({ state: 'detached' });
  t.equal((await api.req('GET', `/v1/forums/${slug}/bans`, { token: moderatorKey })).body.bans.length, 0, 'lifted');

  await m.page.selectOption('.console-bans-tab select[name=kind]', 'range');
  await m.page.fill('.console-bans-tab input[name=value]', '203.0.113.0/24');
  await m.page.selectOption('.console-bans-tab select[name=mode]', 'shadow');
  await m.page.click('.console-bans-tab form button[type=submit]');
  await m.page.locator('li.console-ban[data-mode=shadow][data-kind=range]').waitFor();
  t.match(await m.page.locator('li.console-ban').first().innerText(), /203\.0\.113\.0\/24.*shadow ban.*no expiry/s, 'a shadow ban of a range, from the bans tab');
});

await stack.test('an item another moderator handled leaves the list live; the log shows who did what', async (t, open) => {
  const { slug, moderatorKey, thread } = await stack.thread({ preModeration: true, ...RULES });
  const { post } = await api.post(thread.id, { message: 'someone else approves this' });
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await live(m.page);
  await item(m.page, post.id).waitFor();
  t.equal((await api.req('POST', `/v1/posts/${post.id}/spam`, { token: moderatorKey })).status, 200);
  await item(m.page, post.id).waitFor({ state: 'detached', timeout: 5000 });
  t.pass('marked as spam elsewhere: gone from the held queue without a reload');
  await m.page.selectOption('select.console-filter', 'spam');
  await item(m.page, post.id).waitFor();

  await openTab(m.page, 'log');
  const entry = m.page.locator(`li.console-log-entry[data-type=PostMarkedSpam][data-post-id="${post.id}"]`);
  await entry.waitFor();
  t.match(await entry.innerText(), /the moderator key PostMarkedSpam comment/);
});

await stack.test('after a lost connection the queue is fetched again: what was handled meanwhile is gone, what arrived is there', async (t, open) => {
  const { slug, moderatorKey, thread } = await stack.thread({ preModeration: true, ...RULES });
  const { post: handled } = await api.post(thread.id, { message: 'approved while the console was offline' });
  const m = await openConsole(stack, open);
  await signInWithKey(m.page, slug, moderatorKey);
  await live(m.page);
  await item(m.page, handled.id).waitFor();

  await m.context.setOffline(true);
  await m.page.waitForSelector('#console[data-live=off]');
  t.equal((await api.req('POST', `/v1/posts/${handled.id}/approve`, { token: moderatorKey })).status, 200);
  const { post: arrived } = await api.post(thread.id, { message: 'held while the console was offline' });
  t.equal(await item(m.page, handled.id).count(), 1, 'offline, the console has not heard');

  await m.context.setOffline(false);
  await live(m.page);
  await item(m.page, handled.id).waitFor({ state: 'detached', timeout: 5000 });
  await item(m.page, arrived.id).waitFor({ timeout: 5000 });
  t.pass('back online: the handled item is gone and the new one shown');
  t.equal(await m.page.locator('li.console-item').count(), 1, 'each once');
});
