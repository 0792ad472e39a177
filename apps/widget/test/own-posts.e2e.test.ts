// A signed-in reader's comments are theirs in any browser, in real Chromium with the host page on
// another origin under the strict policy: a comment written in one browser context shows Edit and
// Delete in a fresh context once the same account signs in there (the listed page says who wrote
// it); the editor gets the comment's source through the session frame and saves through it;
// signing out takes the buttons away again. Someone else's comment never gets them.
import t from 'tap';
import { browserStack, ownSel, waitText, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;
const PASSWORD = 'a long enough password';

const frameOf = (r: Reader) => r.page.frameLocator('iframe.parley-session');
const signedIn = (r: Reader, yes: boolean) => r.page.waitForSelector(`section.parley[data-signed-in="${yes}"]`, { timeout: 5000 });

await stack.test('a comment written in one browser shows Edit in another once its author signs in there', async (t, open) => {
  const { url, thread } = await stack.thread();
  const dana = await api.req('POST', '/v1/users', { body: { username: 'own-dana', email: 'dana@example.com', password: PASSWORD } });
  const other = await api.req('POST', '/v1/users', { body: { username: 'own-eli', email: 'eli@example.com', password: PASSWORD } });
  const mine = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'written **elsewhere**' }, token: dana.body.token });
  const theirs = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'by someone else' }, token: other.body.token });
  t.same([mine.status, theirs.status], [201, 201]);
  const mineId = mine.body.post.id as string;
  const theirsId = theirs.body.post.id as string;

  const r = await open(url);
  await frameOf(r).locator('button.parley-signin').waitFor();
  t.equal(await r.page.locator(ownSel(mineId, 'button.parley-edit')).count(), 0, 'signed out: no Edit');

  const f = frameOf(r);
  await f.locator('button.parley-signin').click();
  await f.locator('input[name=username]').fill('own-dana');
  await f.locator('input[name=password]').fill(PASSWORD);
  await f.locator('button.parley-submit').click();
  await signedIn(r, true);
  await r.page.locator(ownSel(mineId, 'button.parley-edit')).waitFor({ timeout: 5000 });
  t.equal(await r.page.locator(ownSel(mineId, 'button.parley-delete')).count(), 1, 'signed in as its author: Edit and Delete, in a browser that never wrote it');
  t.equal(await r.page.locator(ownSel(theirsId, 'button.parley-edit')).count(), 0, 'someone else\'s comment: no Edit');
  t.equal(await r.page.locator(ownSel(theirsId, 'button.parley-delete')).count(), 0, 'nor Delete');

  await r.page.click(ownSel(mineId, 'button.parley-edit'));
  const editor = r.post(mineId).locator(':scope > form.parley-editor textarea:not([disabled])');
  await editor.waitFor({ timeout: 5000 });
  t.equal(await editor.inputValue(), 'written **elsewhere**', 'the editor starts from the source as written, asked of the API through the session frame');
  await editor.fill('edited in the second browser');
  const [edited] = await Promise.all([r.page.waitForResponse((x) => x.request().method() === 'PATCH'), r.post(mineId).locator('button.parley-save').click()]);
  t.equal(edited.status(), 200, 'the API lets the user edit their comment with their session');
  await waitText(r.page, ownSel(mineId, '.parley-body'), 'edited in the second browser');

  await frameOf(r).locator('button.parley-signout').click();
  await signedIn(r, false);
  await r.page.locator(ownSel(mineId, 'button.parley-edit')).waitFor({ state: 'detached', timeout: 5000 });
  t.equal(await r.page.locator(ownSel(mineId, 'button.parley-delete')).count(), 0, 'signed out again: the buttons are gone');
});
