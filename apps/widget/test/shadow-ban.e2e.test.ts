// A shadow ban in the widget, in real Chromium, from both sides. The shadow-banned author, signed
// in, keeps seeing their comments: a new one stays after the public feed calls it hidden, a
// published one a moderator shadows stays too, and after a reload their own view of the thread
// (read through the session frame, with their token) still shows them. A guest's widget shows
// none of it, live or after a reload.
import t from 'tap';
import { browserStack, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t, { moderationRules: true });
const { api } = stack;
const PASSWORD = 'a long enough password';

const signIn = async (r: Reader, username: string) => {
  const f = r.page.frameLocator('iframe.parley-session');
  await f.locator('button.parley-signin').click();
  await f.locator('input[name=username]').fill(username);
  await f.locator('input[name=password]').fill(PASSWORD);
  await f.locator('button.parley-submit').click();
  await r.page.waitForSelector('section.parley[data-signed-in="true"]', { timeout: 5000 });
};
/** waits until the widget applied the thread's events up to `seq` */
const reach = async (r: Reader, seq: number) => {
  for (const until = Date.now() + 5000; (await r.seq()) < seq; ) {
    if (Date.now() > until) throw new Error(`${r.label}: seq ${await r.seq()} never reached ${seq}`);
    await r.page.waitForTimeout(25);
  }
};
const lastSeq = async (threadId: string) => (await api.req('GET', `/v1/threads/${threadId}`)).body.thread.lastSeq as number;

await stack.test("the author sees their shadowed comments in the widget, live and after a reload; a guest never does", async (t, open) => {
  const { url, thread, slug, moderatorKey } = await stack.thread();
  const sam = await api.req('POST', '/v1/users', { body: { username: 'shadow-sam', email: 'sam@example.com', password: PASSWORD } });
  // a published comment of sam's, written before any ban
  const earlier = (await api.req('POST', `/v1/threads/${thread.id}/posts`, { token: sam.body.token, body: { message: 'before the ban' } })).body.post;
  t.equal(earlier.status, 'approved');

  const author = await open(url, { label: 'the author' });
  await signIn(author, 'shadow-sam');
  const guest = await open(url, { label: 'a guest' });
  await author.subscribed();
  await guest.subscribed();
  t.same(await guest.postIds(), [earlier.id]);

  t.equal((await api.req('POST', `/v1/forums/${slug}/bans`, { token: moderatorKey, body: { kind: 'user', value: sam.body.user.id, mode: 'shadow' } })).status, 201);
  // the author writes in the widget: shown to them as published; the feed tells everyone "hidden"
  const written = await author.compose('after the ban');
  t.equal(written.status, 'approved', 'the answer looks like any publication');
  await reach(author, await lastSeq(thread.id));
  await reach(guest, await lastSeq(thread.id));
  t.same(await author.postIds(), [earlier.id, written.id], 'the author still sees it once its hidden event came');
  t.same(await guest.postIds(), [earlier.id], 'the guest never saw it');

  // a moderator shadows the earlier, published comment: it leaves the guest's page, not the author's
  t.equal((await api.req('POST', `/v1/posts/${earlier.id}/shadow`, { token: moderatorKey })).status, 200);
  await author.post(earlier.id).waitFor();
  await guest.post(earlier.id).waitFor({ state: 'detached', timeout: 5000 });
  await reach(author, await lastSeq(thread.id));
  t.same(await author.postIds(), [earlier.id, written.id], 'the author keeps both');
  t.notMatch(await author.widget.innerText(), /pending|awaiting|hidden/i, 'with nothing that tells');

  // reloads: the author's own view (through the session frame) shows both; the guest's neither
  await author.page.reload();
  await author.page.waitForSelector('section.parley[data-state=ready]', { timeout: 10_000 });
  await author.post(written.id).waitFor({ timeout: 5000 });
  t.same((await author.postIds()).sort(), [earlier.id, written.id].sort(), 'after a reload, the author still sees their comments');
  // a new guest (a reload could be served stale by the browser: stale-while-revalidate)
  const later = await open(url, { label: 'a guest later' });
  t.same(await later.postIds(), [], 'a guest sees nothing');
  t.equal(await later.widget.locator('.parley-count').getAttribute('data-count'), '0', 'and counts nothing');
});
