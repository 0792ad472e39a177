// The facts only the widget knows, in real Chromium: the composer sends how long after the widget
// loaded the comment was sent, and its hidden honeypot field, which a person never sees (it is off
// screen and out of the tab order) and a form-filling bot fills. The forum's spam heuristics judge
// them: a comment sent sooner than the minimum, or with the honeypot filled, is spam.
import t from 'tap';
import { browserStack, isPostCreate, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t, { moderationRules: true });
const { api } = stack;
const top = 'section.parley > form.parley-composer';

const spamHeuristicsOnly = (minMsAfterWidgetLoad: number) => ({
  moderation: {
    bans: { enabled: false },
    blocklist: { enabled: false },
    links: { enabled: false },
    newCommenter: { enabled: false },
    spamHeuristics: { enabled: true, honeypot: true, minMsAfterWidgetLoad, maxLinksPer100Words: 0, repeatedTextCount: 0, characterTricks: false },
  },
});

async function post(r: Reader, message: string): Promise<{ status: number; body: any; sent: any }> {
  await r.page.locator(`${top} textarea[name=message]`).fill(message);
  await r.page.locator(`${top} input[name=name]`).fill('Kim');
  await r.page.locator(`${top} input[name=email]`).fill('kim@example.com');
  const [res] = await Promise.all([r.page.waitForResponse(isPostCreate), r.page.click(`${top} button.parley-submit`)]);
  return { status: res.status(), body: await res.json(), sent: res.request().postDataJSON() };
}

const reasonsOf = async (threadId: string, key: string, postId: string): Promise<string[]> => {
  const r = await api.req('GET', `/v1/threads/${threadId}/posts`, { token: key });
  return r.body.posts.find((p: any) => p.id === postId).moderation.reasons.map((x: any) => x.code);
};

await stack.test('a comment sent sooner than the forum allows after the widget loaded is spam (too_fast)', async (t, open) => {
  const { url, thread, moderatorKey } = await stack.thread(spamHeuristicsOnly(600_000));
  const r = await open(url);
  const { status, body, sent } = await post(r, 'posted at once');
  t.equal(status, 201);
  t.ok(Number.isInteger(sent.client.loadedMs) && sent.client.loadedMs >= 0 && sent.client.loadedMs < 600_000, `the widget sent its load time (${sent.client.loadedMs} ms)`);
  t.equal(sent.client.hp, '', 'and an empty honeypot: a person does not see it');
  t.equal(body.post.status, 'spam');
  t.same(await reasonsOf(thread.id, moderatorKey, body.post.id), ['too_fast']);
});

await stack.test('a filled honeypot marks the comment as spam; the field is out of sight and out of the tab order', async (t, open) => {
  const { url, thread, moderatorKey } = await stack.thread(spamHeuristicsOnly(0));
  const r = await open(url);
  const hp = r.page.locator(`${top} input[name=parley_hp]`);
  t.equal(await hp.getAttribute('tabindex'), '-1');
  const box = await hp.boundingBox();
  t.ok(box !== null && box.x + box.width <= 0, 'drawn off screen');
  t.equal((await post(r, 'a person wrote this')).body.post.status, 'approved', 'without the honeypot filled: published');
  // what a form-filling bot does: fill every field it finds
  await hp.fill('http://bot.example');
  const bot = await post(r, 'a bot wrote this');
  t.equal(bot.body.post.status, 'spam');
  t.same(await reasonsOf(thread.id, moderatorKey, bot.body.post.id), ['honeypot']);
});
