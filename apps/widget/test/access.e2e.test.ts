// Keyboard only: posting, replying, voting and editing with Tab, Enter and typing (no mouse),
// with focus moved to the new comment after posting and kept where the reader was.
import t from 'tap';
import { browserStack, ownSel, postSel, tabTo, waitFocus, waitText, isPostCreate, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;

/** Tabs to `selector`, selects what is there and types `text` over it. */
async function typeInto(r: Reader, selector: string, text: string): Promise<void> {
  await tabTo(r.page, selector);
  await r.page.keyboard.press('ControlOrMeta+A');
  await r.page.keyboard.type(text);
}

/** Tabs to a submit button, presses Enter, and returns the post the API created. */
async function submitWithEnter(r: Reader, selector: string): Promise<any> {
  await tabTo(r.page, selector);
  const [res] = await Promise.all([r.page.waitForResponse(isPostCreate), r.page.keyboard.press('Enter')]);
  const body = await res.json();
  if (res.status() !== 201) throw new Error(`${r.label}: posting answered ${res.status()} ${JSON.stringify(body)}`);
  return body.post;
}

const top = 'section.parley > form.parley-composer';

await stack.test('posting and replying with the keyboard only; focus moves to the new comment', async (t, open) => {
  const { url } = await stack.thread();
  const [a, b] = await Promise.all([open(url, { label: 'A' }), open(url, { label: 'B' })]);
  await Promise.all([a.subscribed(), b.subscribed()]);
  const p = a.page;

  await typeInto(a, `${top} textarea[name=message]`, 'Typed without a mouse');
  await typeInto(a, `${top} input[name=name]`, 'Kim');
  await typeInto(a, `${top} input[name=email]`, 'kim@example.com');
  await tabTo(p, `${top} input[name=notify]`);
  await p.keyboard.press('Space');
  t.ok(await p.locator(`${top} input[name=notify]`).isChecked(), 'the reply-email box ticks with Space');
  const post = await submitWithEnter(a, `${top} button.parley-submit`);
  await waitFocus(p, postSel(post.id));
  t.equal(await p.locator(`${top} textarea[name=message]`).inputValue(), '', 'the composer is emptied');
  await waitText(p, '.parley-status', 'Your comment is posted.');
  await b.post(post.id).waitFor({ timeout: 2000 });

  // reply: from the focused comment, Tab to its reply button
  await tabTo(p, ownSel(post.id, 'button.parley-reply'), { max: 6 });
  await p.keyboard.press('Enter');
  const form = `${postSel(post.id)} > form.parley-composer`;
  await waitFocus(p, `${form} textarea[name=message]`);
  t.equal(await p.locator(`${form} input[name=name]`).inputValue(), 'Kim', 'the name is remembered');
  await p.keyboard.type('A reply, also typed');
  const reply = await submitWithEnter(a, `${form} button.parley-submit`);
  t.equal(reply.parentId, post.id);
  const nested = `${postSel(post.id)} > ol.parley-replies > ${postSel(reply.id)}`;
  await waitFocus(p, nested);
  await b.page.waitForSelector(nested, { timeout: 2000 });

  // Escape closes a reply form and gives focus back to its comment
  await tabTo(p, ownSel(reply.id, 'button.parley-reply'), { max: 6 });
  await p.keyboard.press('Enter');
  await waitFocus(p, `${postSel(reply.id)} > form.parley-composer textarea`);
  await p.keyboard.press('Escape');
  await waitFocus(p, postSel(reply.id));
  t.equal(await p.locator(`${postSel(reply.id)} > form`).count(), 0, 'the form is gone');

  // Ctrl+Enter posts from the textarea
  await typeInto(a, `${top} textarea[name=message]`, 'Sent with Ctrl+Enter');
  const [res] = await Promise.all([p.waitForResponse(isPostCreate), p.keyboard.press('Control+Enter')]);
  await waitFocus(p, postSel((await res.json()).post.id));
});

await stack.test('editing with the keyboard only', async (t, open) => {
  const { url } = await stack.thread();
  const a = await open(url, { label: 'A' });
  await a.subscribed();
  const p = a.page;
  await typeInto(a, `${top} textarea[name=message]`, 'before');
  await typeInto(a, `${top} input[name=name]`, 'Kim');
  await typeInto(a, `${top} input[name=email]`, 'kim@example.com');
  const post = await submitWithEnter(a, `${top} button.parley-submit`);
  await waitFocus(p, postSel(post.id));
  await tabTo(p, ownSel(post.id, 'button.parley-edit'), { max: 8 });
  await p.keyboard.press('Enter');
  const editor = `${postSel(post.id)} > form.parley-editor`;
  await waitFocus(p, `${editor} textarea`);
  await p.keyboard.press('ControlOrMeta+A');
  await p.keyboard.type('after');
  await tabTo(p, `${editor} button.parley-save`);
  await p.keyboard.press('Enter');
  await waitText(p, ownSel(post.id, '.parley-body'), 'after');
  await t.resolves(waitFocus(p, postSel(post.id)), 'edited, and the focus is back on the comment');
});

await stack.test('focus stays on a vote button after voting with the keyboard', async (t, open) => {
  const { url, thread } = await stack.thread();
  const { post } = await api.post(thread.id, { message: 'vote on me' });
  const a = await open(url, { label: 'A' });
  await a.subscribed();
  const up = ownSel(post.id, 'button.parley-upvote');
  await tabTo(a.page, up);
  await a.page.keyboard.press('Enter');
  await waitText(a.page, ownSel(post.id, '.parley-score'), '1');
  t.equal(await a.page.getAttribute(up, 'aria-pressed'), 'true');
  await waitFocus(a.page, up, 1000);
  await a.page.keyboard.press('Enter'); // and again takes the vote back
  await waitText(a.page, ownSel(post.id, '.parley-score'), '0');
});

await stack.test("focus stays where the reader is when someone else's vote updates that comment", async (t, open) => {
  const { url, thread } = await stack.thread();
  const { post } = await api.post(thread.id, { message: 'popular' });
  const a = await open(url, { label: 'A' });
  await a.subscribed();
  const reply = ownSel(post.id, 'button.parley-reply');
  await tabTo(a.page, reply);
  await api.req('PUT', `/v1/posts/${post.id}/vote`, { body: { value: 1 }, headers: { 'x-parley-voter': 'someone-else-0123456789' } });
  await waitText(a.page, ownSel(post.id, '.parley-score'), '1');
  await t.resolves(waitFocus(a.page, reply, 1000), 'focus kept');
});

await stack.test('landmarks and labels', async (t, open) => {
  const { url } = await stack.thread();
  // the refusal below is logged by the browser as a failed resource load
  const a = await open(url, { label: 'A', allow: [/the server responded with a status of 400/] });
  t.equal(await a.widget.getAttribute('aria-label'), 'Comments', 'the section is a named region');
  const unlabeled = await a.page.$$eval('section.parley input, section.parley textarea, section.parley select', (els) =>
    els.filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML),
  );
  t.same(unlabeled, [], 'every field has a label');
  t.equal(await a.page.getAttribute('.parley-status', 'role'), 'status');
  t.equal(await a.page.getAttribute(`${top} .parley-error`, 'role'), 'alert');
  await typeInto(a, `${top} textarea[name=message]`, 'no name given');
  await tabTo(a.page, `${top} button.parley-submit`);
  await a.page.keyboard.press('Enter');
  await waitText(a.page, `${top} .parley-error`, /\w/);
  t.notMatch(await a.page.locator(`${top} .parley-error`).innerText(), /invalid_|_/, 'the error is in words, not a code');
});
