// Two readers on one thread, each in its own browser context (its own storage, voter key and
// websocket), on a host page of another origin under a strict CSP: what one does shows up for
// the other without a reload. Also a moderator's approval, and a reader that loses its connection.
import t from 'tap';
import { browserStack, holdResponses, ownSel, postSel, waitText, type Reader } from '../../../test/harness/browser.ts';
import { until } from '../../../test/harness/until.ts';

const stack = await browserStack(t);
const { api } = stack;

const bodyText = (r: Reader, id: string) => r.page.locator(ownSel(id, '.parley-body')).innerText();
/** the thread's current last sequence number, from the API */
const lastSeq = async (threadId: string): Promise<number> => (await api.req('GET', `/v1/threads/${threadId}`)).body.thread.lastSeq;
/** waits until the reader has applied every event of the thread so far */
const caughtUp = async (r: Reader, threadId: string) => {
  const seq = await lastSeq(threadId);
  await r.page.waitForSelector(`section.parley[data-seq="${seq}"]`, { timeout: 5000 });
};
const unique = (ids: string[]) => new Set(ids).size === ids.length;

await stack.test('a comment from one reader shows for the other within a second, without a reload', async (t, open) => {
  const { url } = await stack.thread();
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  let navigations = 0;
  b.page.on('framenavigated', () => navigations++);

  const post = await a.compose('Hello from *A*', { name: 'Ann' });
  const answered = Date.now();
  await b.post(post.id).waitFor({ timeout: 1000 });
  t.ok(Date.now() - answered <= 1000, `B shows it ${Date.now() - answered} ms after A's post was answered`);
  t.equal(navigations, 0, 'B did not reload');
  t.equal(await bodyText(b, post.id), 'Hello from A');
  t.equal(await b.page.locator(ownSel(post.id, 'em')).innerText(), 'A', 'markdown rendered by the server');
  t.equal(await b.page.locator(ownSel(post.id, '.parley-author')).innerText(), 'Ann');
  t.equal(await a.post(post.id).count(), 1, 'A shows its own comment once');
  for (const r of [a, b]) await waitText(r.page, '.parley-count', '1 comment');
  t.equal(await a.widget.locator('.parley-count').getAttribute('data-count'), '1');
});

await stack.test('a reply nests under its parent for both readers', async (t, open) => {
  const { url } = await stack.thread();
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const parent = await a.compose('The parent', { name: 'Ann' });
  await b.post(parent.id).waitFor();

  await b.page.click(ownSel(parent.id, 'button.parley-reply'));
  const replyForm = b.post(parent.id).locator(':scope > form.parley-composer');
  const reply = await b.compose('A reply from B', { form: replyForm, name: 'Bo', email: 'bo@example.com' });
  t.equal(reply.parentId, parent.id);
  await a.post(reply.id).waitFor();
  await a.page.click(ownSel(parent.id, 'button.parley-reply'));
  const second = await a.compose('A second reply, from A', { form: a.post(parent.id).locator(':scope > form.parley-composer') });
  t.equal(second.parentId, parent.id);

  for (const r of [a, b]) {
    const nested = `${postSel(parent.id)} > ol.parley-replies > ${postSel(reply.id)}`;
    await r.page.waitForSelector(nested, { timeout: 2000 });
    await r.page.waitForSelector(`${postSel(parent.id)} > ol.parley-replies > ${postSel(second.id)}`, { timeout: 2000 });
    t.same(await r.postIds(), [parent.id, reply.id, second.id], `${r.label}: replies oldest first under their parent`);
    t.equal(await r.page.getAttribute(nested, 'data-depth'), '1', `${r.label}: the reply is at depth 1`);
    t.equal(await r.page.getAttribute(postSel(parent.id), 'data-depth'), '0');
    t.same(await r.topIds(), [parent.id], `${r.label}: one top-level comment`);
    t.ok(unique(await r.postIds()), `${r.label}: each comment once`);
  }
  t.equal(await a.page.locator(`${postSel(parent.id)} > form.parley-composer`).count(), 0, 'the reply form closed after replying');
});

await stack.test('a reply to a reply nests two deep, live', async (t, open) => {
  const { url, thread } = await stack.thread();
  const { post: top } = await api.post(thread.id, { message: 'top' });
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const { post: mid } = await api.post(thread.id, { message: 'middle', parentId: top.id });
  await a.post(mid.id).waitFor();
  await a.page.click(ownSel(mid.id, 'button.parley-reply'));
  const leaf = await a.compose('leaf', { form: a.post(mid.id).locator(':scope > form.parley-composer') });
  const sel = `${postSel(top.id)} > ol.parley-replies > ${postSel(mid.id)} > ol.parley-replies > ${postSel(leaf.id)}`;
  for (const r of [a, b]) {
    await r.page.waitForSelector(sel, { timeout: 2000 });
    t.equal(await r.page.getAttribute(sel, 'data-depth'), '2', `${r.label}: depth 2`);
  }
});

await stack.test('votes update in both readers', async (t, open) => {
  const { url, thread } = await stack.thread();
  const { post } = await api.post(thread.id, { message: 'vote on me' });
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const score = ownSel(post.id, '.parley-score');
  const up = ownSel(post.id, 'button.parley-upvote');
  const down = ownSel(post.id, 'button.parley-downvote');

  await a.page.click(up);
  for (const r of [a, b]) await waitText(r.page, score, '1');
  t.equal(await a.page.getAttribute(up, 'aria-pressed'), 'true', 'A: upvote pressed');
  t.equal(await b.page.getAttribute(up, 'aria-pressed'), 'false', "B: A's vote is not B's");

  await b.page.click(down);
  for (const r of [a, b]) await waitText(r.page, score, '0');
  t.equal(await b.page.getAttribute(down, 'aria-pressed'), 'true', 'B: downvote pressed');
  t.equal(await a.page.getAttribute(up, 'aria-pressed'), 'true', 'A: still upvoted');

  await a.page.click(up); // takes A's vote back
  for (const r of [a, b]) await waitText(r.page, score, '-1');
  t.equal(await a.page.getAttribute(up, 'aria-pressed'), 'false', 'A: no vote');

  const fresh = await open(url, { label: 'B again' });
  await waitText(fresh.page, score, '-1');
  t.equal(await fresh.page.getAttribute(down, 'aria-pressed'), 'false', 'another browser has no vote of its own');
  await b.page.reload();
  await b.page.waitForSelector('section.parley[data-state=ready]');
  t.equal(await b.page.getAttribute(down, 'aria-pressed'), 'true', 'B remembers its vote across a reload');
});

await stack.test('an edit within the window shows up for the other reader', async (t, open) => {
  const { url } = await stack.thread();
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const post = await a.compose('first version');
  await b.post(post.id).waitFor();
  t.equal(await b.page.locator(ownSel(post.id, 'button.parley-edit')).count(), 0, 'B may not edit A’s comment');

  await a.page.click(ownSel(post.id, 'button.parley-edit'));
  const editor = a.post(post.id).locator(':scope > form.parley-editor');
  t.equal(await editor.locator('textarea[name=message]').inputValue(), 'first version', 'the editor holds the message as written');
  await editor.locator('textarea[name=message]').fill('second version, **bold**');
  const [res] = await Promise.all([a.page.waitForResponse((r) => r.request().method() === 'PATCH'), editor.locator('button.parley-save').click()]);
  t.equal(res.status(), 200);
  for (const r of [a, b]) {
    await waitText(r.page, ownSel(post.id, '.parley-body'), 'second version, bold', 2000);
    t.equal(await r.page.locator(ownSel(post.id, '.parley-body strong')).innerText(), 'bold', `${r.label}: rendered`);
    t.equal(await r.post(post.id).count(), 1, `${r.label}: still one comment`);
  }
  t.equal(await editor.count(), 0, 'the editor closed');
  t.ok(await b.page.locator(ownSel(post.id, '.parley-edited')).isVisible(), 'B sees it marked as edited');
});

await stack.test('a deletion takes the comment away for the other reader', async (t, open) => {
  const { url, thread } = await stack.thread();
  const { post: stays } = await api.post(thread.id, { message: 'stays' });
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const post = await a.compose('soon gone');
  await b.post(post.id).waitFor();
  await waitText(b.page, '.parley-count', '2 comments');
  // A's answer to the deletion comes after its own PostDeleted event (a slow response): the
  // comment must still be counted out once
  await holdResponses(
    a.page,
    (method, path) => method === 'POST' && path === `/v1/posts/${post.id}/delete`,
    () => a.frame('the PostDeleted event', (f) => f.op === 'events' && f.events.some((e: any) => e.type === 'PostDeleted')),
  );
  await a.page.click(ownSel(post.id, 'button.parley-delete'));
  await a.page.click(ownSel(post.id, 'button.parley-delete')); // confirms
  await b.post(post.id).waitFor({ state: 'detached', timeout: 2000 });
  await a.post(post.id).waitFor({ state: 'detached', timeout: 2000 });
  await caughtUp(a, thread.id);
  for (const r of [a, b]) {
    await waitText(r.page, '.parley-count', '1 comment');
    t.same(await r.postIds(), [stays.id], `${r.label}: the other comment stays`);
  }
});

await stack.test("a moderator's approval makes a pending comment appear for the others", async (t, open) => {
  const { url, moderatorKey, thread } = await stack.thread({ preModeration: true });
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const post = await a.compose('please approve me');
  t.equal(post.status, 'pending');
  t.equal(await a.page.getAttribute(postSel(post.id), 'data-status'), 'pending', 'the author sees it, pending');
  t.ok(await a.page.locator(ownSel(post.id, '.parley-note')).isVisible(), 'with a note');
  await caughtUp(b, thread.id);
  t.equal(await b.post(post.id).count(), 0, 'B does not see it before approval');
  t.equal(await b.widget.locator('.parley-count').getAttribute('data-count'), '0');

  const approved = await api.req('POST', `/v1/posts/${post.id}/approve`, { token: moderatorKey });
  t.equal(approved.status, 200);
  await b.post(post.id).waitFor({ timeout: 2000 });
  t.equal(await b.page.getAttribute(postSel(post.id), 'data-status'), 'approved');
  t.equal(await bodyText(b, post.id), 'please approve me');
  await a.page.waitForSelector(`${postSel(post.id)}[data-status=approved]`, { timeout: 2000 });
  t.equal(await a.page.locator(ownSel(post.id, '.parley-note')).count(), 0, "A's note is gone");
  t.equal(await a.post(post.id).count(), 1, 'A still shows it once');
  for (const r of [a, b]) await waitText(r.page, '.parley-count', '1 comment');
});

await stack.test('after a dropped connection the missed comment appears exactly once', async (t, open) => {
  const { url, thread } = await stack.thread();
  const { post: old } = await api.post(thread.id, { message: 'from before' });
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);

  await a.context.setOffline(true);
  await a.page.waitForFunction(() => !navigator.onLine);
  await waitText(a.page, '.parley-status', /Connection lost/);
  await until("A's websocket to close", 2000, async () => (a.sockets.every((s) => s.isClosed()) ? true : undefined));

  const missed = await b.compose('posted while A was offline', { name: 'Bo' });
  await b.page.click(ownSel(old.id, 'button.parley-upvote'));
  await waitText(b.page, ownSel(old.id, '.parley-score'), '1');
  t.equal(await a.post(missed.id).count(), 0, 'A has not seen it yet');

  await a.context.setOffline(false);
  await a.subscribed(2);
  await a.post(missed.id).waitFor({ timeout: 3000 });
  await caughtUp(a, thread.id);
  t.equal(await a.post(missed.id).count(), 1, 'the missed comment, once');
  await waitText(a.page, ownSel(old.id, '.parley-score'), '1');
  t.same(await a.postIds(), [old.id, missed.id], 'every comment once, in order');
  await waitText(a.page, '.parley-status', 'Connected again.');
  await waitText(a.page, '.parley-count', '2 comments');
  t.ok(a.sockets.length >= 2, 'a new websocket');
  t.notOk(a.sockets.at(-1)!.isClosed(), 'which is open');

  const after = await b.compose('and one after');
  await a.post(after.id).waitFor({ timeout: 2000 });
  await caughtUp(a, thread.id);
  t.same(await a.postIds(), [old.id, missed.id, after.id], 'live again, nothing twice');
});
