// Reporting a comment from the widget, in real Chromium with the host page on another origin under
// the strict policy: a guest reports with this browser's voter key, a signed-in reader through the
// session frame; the moderators see both reports (the user by id), and the second of two distinct
// readers sends the comment back to the queue, which takes it off the readers' pages live.
import t from 'tap';
import { browserStack, ownSel, postSel, waitText, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;
const PASSWORD = 'a long enough password';

const isFlag = (r: { request(): { method(): string }; url(): string }) => r.request().method() === 'POST' && /\/v1\/posts\/\d+\/flags$/.test(r.url());

async function report(r: Reader, postId: string, reason: string): Promise<number> {
  await r.page.click(ownSel(postId, 'button.parley-report'));
  const pick = r.page.locator(ownSel(postId, 'select.parley-report-reason'));
  await pick.waitFor({ timeout: 2000 });
  const [res] = await Promise.all([r.page.waitForResponse(isFlag), pick.selectOption(reason)]);
  return res.status();
}

await stack.test('a guest and a signed-in reader report a comment; the second report holds it', async (t, open) => {
  const { url, thread, moderatorKey } = await stack.thread({ moderation: { flags: { enabled: true, holdAfter: 2 } } });
  const { post } = await api.post(thread.id, { message: 'something to report' });
  const mine = await api.req('POST', '/v1/users', { body: { username: 'report-ivy', email: 'ivy@example.com', password: PASSWORD } });

  const guest = await open(url, { label: 'guest' });
  const member = await open(url, { label: 'member' });
  await Promise.all([guest.subscribed(), member.subscribed()]);

  t.equal(await report(guest, post.id, 'spam'), 201, 'the guest reports with its voter key');
  await waitText(guest.page, '.parley-status', 'Thank you: the moderators will take a look.');
  await guest.page.locator(ownSel(post.id, 'button.parley-report')).waitFor({ timeout: 2000 });

  const f = member.page.frameLocator('iframe.parley-session');
  await f.locator('button.parley-signin').click();
  await f.locator('input[name=username]').fill('report-ivy');
  await f.locator('input[name=password]').fill(PASSWORD);
  await f.locator('button.parley-submit').click();
  await member.page.waitForSelector('section.parley[data-signed-in="true"]', { timeout: 5000 });
  t.equal(await report(member, post.id, 'abuse'), 201, 'the signed-in reader reports through the session frame');

  const seen = await api.req('GET', `/v1/posts/${post.id}/flags`, { token: moderatorKey });
  t.same(seen.body.flags.map((x: any) => [x.reason, x.reporterUserId]).sort(), [['abuse', mine.body.user.id], ['spam', null]], 'the moderators see both, the member by id');
  await guest.page.locator(postSel(post.id)).waitFor({ state: 'detached', timeout: 5000 });
  t.pass('held: the comment leaves the other reader\'s page live');
});

await stack.test('no Report on your own comment; the reasons in German', async (t, open) => {
  const { url, thread } = await stack.thread(undefined, { lang: 'de' });
  const { post } = await api.post(thread.id, { message: 'ein Kommentar' });
  const r = await open(url);
  await r.page.click(ownSel(post.id, 'button.parley-report'));
  const options = await r.page.locator(ownSel(post.id, 'select.parley-report-reason option')).allTextContents();
  t.same(options, ['Warum melden?', 'Spam', 'Beleidigend', 'Am Thema vorbei', 'Persönliche Daten', 'Etwas anderes']);
  const top = 'section.parley > form.parley-composer';
  await r.page.fill(`${top} textarea[name=message]`, 'mein eigener');
  await r.page.fill(`${top} input[name=name]`, 'Kim');
  await r.page.fill(`${top} input[name=email]`, 'kim@example.com');
  const [res] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'POST' && x.url().endsWith('/posts')), r.page.click(`${top} button.parley-submit`)]);
  const own = (await res.json()).post.id as string;
  await r.post(own).waitFor({ timeout: 2000 });
  t.equal(await r.page.locator(ownSel(own, 'button.parley-report')).count(), 0, 'your own comment has Delete, not Report');
});
