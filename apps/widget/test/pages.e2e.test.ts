// Many comments: "load more" through cursor pages, the sort switch, and the "N new comments" bar
// that holds a burst back instead of moving the page under the reader.
import t from 'tap';
import { browserStack, holdResponses, postSel, waitFocus, waitText, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;

/** posts `n` top-level comments through the API, 25 at a time; returns their ids */
async function posts(threadId: string, n: number, prefix = 'comment'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = Array.from({ length: Math.min(25, n - i) }, (_, j) => api.post(threadId, { message: `${prefix} ${i + j + 1}` }));
    ids.push(...(await Promise.all(batch)).map((r) => r.post.id));
  }
  return ids;
}

/** every post id in the API's own reading order, through all its pages */
async function apiOrder(threadId: string, sort: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const r: any = await api.req('GET', `/v1/threads/${threadId}/posts?sort=${sort}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    ids.push(...r.body.posts.map((p: any) => p.id));
    cursor = r.body.nextCursor;
  } while (cursor);
  return ids;
}

async function waitIds(r: Reader, expected: string[], what: string): Promise<void> {
  try {
    await r.page.waitForFunction((ids) => [...document.querySelectorAll<HTMLElement>('section.parley li.parley-post')].map((li) => li.dataset.postId).join() === ids.join(), expected, { timeout: 5000 });
  } catch {
    throw new Error(`${r.label}: ${what}: expected ${expected.join()}, shows ${(await r.postIds()).join()}`);
  }
}

const lastSeq = async (threadId: string): Promise<number> => (await api.req('GET', `/v1/threads/${threadId}`)).body.thread.lastSeq;
const caughtUp = async (r: Reader, threadId: string) => r.page.waitForSelector(`section.parley[data-seq="${await lastSeq(threadId)}"]`, { timeout: 5000 });

/** clicks "load more" until it is gone; returns how many comments each click added */
async function loadAll(r: Reader): Promise<number[]> {
  const added: number[] = [];
  const more = r.page.locator('button.parley-more');
  while (await more.isVisible()) {
    const before = (await r.postIds()).length;
    await Promise.all([r.page.waitForResponse((res) => /\/posts\?/.test(res.url()) && res.request().method() === 'GET'), more.click()]);
    // disabled while its page loads
    await r.page.waitForSelector('button.parley-more:not([disabled])', { state: 'attached', timeout: 5000 });
    added.push((await r.postIds()).length - before);
    if (added.length > 10) throw new Error('load more never ends');
  }
  return added;
}

await stack.test('"load more" pages through 200 comments, each shown once', async (t, open) => {
  const { url, thread } = await stack.thread();
  const created = await posts(thread.id, 200);
  await stack.worker.drain(); // the thread's count
  const a = await open(url, { label: 'A' });
  t.equal((await a.postIds()).length, 50, 'the first page: 50');
  await waitText(a.page, '.parley-count', '200 comments');
  t.same(await loadAll(a), [50, 50, 50], 'three more pages of 50');
  const shown = await a.postIds();
  t.equal(shown.length, 200);
  t.equal(new Set(shown).size, 200, 'no comment twice');
  t.same([...shown].sort(), [...created].sort(), 'every comment posted');
  t.same(shown, await apiOrder(thread.id, 'oldest'), "in the API's order");
  t.ok(await a.page.locator('button.parley-more').isHidden(), 'no more to load');
});

await stack.test('a comment that arrives live while paging is shown once, after the older ones', async (t, open) => {
  const { url, thread } = await stack.thread(undefined, { pageSize: 10 });
  await posts(thread.id, 30);
  const b = await open(url, { label: 'B' });
  await b.subscribed();
  t.equal((await b.postIds()).length, 10, 'data-parley-page-size="10"');
  await b.page.click('button.parley-more');
  await b.page.waitForFunction(() => document.querySelectorAll('section.parley li.parley-post').length === 20);
  const { post: late } = await api.post(thread.id, { message: 'arrived while B was paging' });
  await b.post(late.id).waitFor({ timeout: 2000 });
  await loadAll(b);
  const shown = await b.postIds();
  t.equal(shown.filter((id) => id === late.id).length, 1, 'the live comment once');
  t.equal(new Set(shown).size, 31, 'every comment once');
  t.same(shown, await apiOrder(thread.id, 'oldest'), 'oldest first: the live comment last');
});

await stack.test('the sort switch orders by oldest, newest and top', async (t, open) => {
  const { url, thread } = await stack.thread();
  const [p1] = await posts(thread.id, 1, 'first');
  const [p2] = await posts(thread.id, 1, 'second');
  const [p3] = await posts(thread.id, 1, 'third');
  const { post: r1 } = await api.post(thread.id, { message: 'a reply to the first', parentId: p1 });
  const vote = (id: string, voter: string) => api.req('PUT', `/v1/posts/${id}/vote`, { body: { value: 1 }, headers: { 'x-parley-voter': `voter-key-${voter}-0123456789` } });
  await Promise.all([vote(p2, 'a'), vote(p2, 'b'), vote(p3, 'a')]);

  const a = await open(url, { label: 'A' });
  await a.subscribed();
  const sort = a.page.locator('select.parley-sort');
  t.equal(await sort.inputValue(), 'oldest', 'oldest by default');
  await waitIds(a, [p1, r1.id, p2, p3], 'oldest');
  await sort.selectOption('newest');
  await waitIds(a, [p3, p2, p1, r1.id], 'newest');
  await sort.selectOption('top');
  await waitIds(a, [p2, p3, p1, r1.id], 'top');
  t.equal(await a.page.getAttribute(`${postSel(r1.id)}`, 'data-depth'), '1');
  t.ok(await a.page.locator(`${postSel(p1)} > ol.parley-replies > ${postSel(r1.id)}`).count(), 'the reply stays under its parent');
  await sort.selectOption('oldest');
  await waitIds(a, [p1, r1.id, p2, p3], 'oldest again');

  await sort.selectOption('newest');
  await waitIds(a, [p3, p2, p1, r1.id], 'newest');
  const { post: p4 } = await api.post(thread.id, { message: 'newest of all' });
  await t.resolves(waitIds(a, [p4.id, p3, p2, p1, r1.id], 'a live comment goes first under newest'), 'sorted: a live comment goes first under newest');
});

await stack.test('a burst shows the "N new comments" bar; clicking it reveals them', async (t, open) => {
  const { url, thread } = await stack.thread();
  const a = await open(url, { label: 'A' });
  await a.subscribed();
  const burst: string[] = [];
  for (let i = 1; i <= 10; i++) burst.push((await api.post(thread.id, { message: `burst ${i}` })).post.id);
  await caughtUp(a, thread.id);

  const bar = a.page.locator('button.parley-newbar');
  t.ok(await bar.isVisible(), 'the bar shows');
  const waiting = Number(/\d+/.exec(await bar.innerText())?.[0]);
  const shown = await a.postIds();
  t.ok(waiting > 0 && shown.length < 10, `${shown.length} inserted, ${waiting} held back`);
  t.equal(shown.length + waiting, 10, 'the bar counts the rest');
  t.match(await bar.innerText(), new RegExp(`^${waiting} new comments?`));

  await bar.click();
  await waitIds(a, burst, 'all ten, in order');
  t.ok(await bar.isHidden(), 'the bar is gone');
  await waitFocus(a.page, postSel(burst[shown.length]));
  await waitText(a.page, '.parley-count', '10 comments');
});

await stack.test("during a burst the reader's own comment shows at once, and once", async (t, open) => {
  const { url, thread } = await stack.thread();
  const a = await open(url, { label: 'A' });
  await a.subscribed();
  const burst: string[] = [];
  for (let i = 1; i <= 6; i++) burst.push((await api.post(thread.id, { message: `burst ${i}` })).post.id);
  await caughtUp(a, thread.id);
  t.ok(await a.page.locator('button.parley-newbar').isVisible(), 'the bar shows');

  // the answer to A's post comes after A's websocket brought the same comment (a slow response)
  await holdResponses(
    a.page,
    (method, path) => method === 'POST' && path === `/v1/threads/${thread.id}/posts`,
    (body) => a.frame('its own PostCreated', (f) => f.op === 'events' && f.events.some((e: any) => e.post?.id === body.post.id)),
  );
  const own = await a.compose('mine, during the burst');
  await waitFocus(a.page, postSel(own.id));
  t.equal(await a.post(own.id).count(), 1, 'shown at once');

  await a.page.click('button.parley-newbar');
  await caughtUp(a, thread.id);
  const shown = await a.postIds();
  t.equal(shown.filter((id) => id === own.id).length, 1, 'the own comment once after revealing the burst');
  t.equal(new Set(shown).size, shown.length, 'no comment twice');
  t.same([...shown].sort(), [...burst, own.id].sort(), 'every comment');
  await waitText(a.page, '.parley-count', '7 comments');
});
