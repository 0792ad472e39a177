// `scripts/start.ts` as a whole process: embedded Postgres, API, realtime and worker come up, the
// widget is built and served with the demo pages, the demo forum is created once, SIGINT/SIGTERM
// stop everything with exit 0, and a restart reuses the data, the admin token and the demo's
// moderator key. In between, the demo in real Chromium: two windows commenting live.
import t from 'tap';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from '../scripts/lib/free-port.ts';
import { CHROMIUM, CHROMIUM_ARGS, openReader } from './harness/browser.ts';
import { until } from './harness/until.ts';
import { start } from './harness/start.ts';

t.test('start, use, stop, restart with the same data', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-start-'));
  await chmod(dataDir, 0o755);
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const pgPort = await freePort();

  const first = await start(dataDir, pgPort);
  t.match(first.adminToken, /^pat_[0-9a-f]{64}$/, 'admin token generated and printed');
  t.match(first.moderatorKey, /^pmk_/, 'demo moderator key printed');
  t.match(first.out(), /"config":\{"PORT":\d+/, 'the config is logged, as a structured field');
  t.notMatch(first.out(), /"DATABASE_URL":"postgres/, 'config printed without secrets');
  t.notMatch(first.out(), new RegExp(`"msg":"[^"]*${first.adminToken}`), 'no log line carries the admin token');
  t.equal((await stat(join(dataDir, 'admin-token'))).mode & 0o777, 0o600, 'admin token file is 0600');
  const demo = JSON.parse(await readFile(join(dataDir, 'demo.json'), 'utf8'));
  t.equal(demo.moderatorKey, first.moderatorKey, 'demo.json holds the moderator key');

  t.equal((await fetch(`${first.url}/healthz`)).status, 200, 'healthz');
  const forum = await fetch(`${first.url}/v1/forums/demo`);
  t.equal(forum.status, 200, 'demo forum exists');
  t.match(first.out(), /widget: built .*KB gzip/, 'the widget was built, with its gzip size');
  t.ok(first.out().includes(`open ${first.url}/ in two windows`), 'the banner points at the demo page');

  // the demo: an article page with the widget, under a strict CSP, and the widget itself
  const page = await fetch(`${first.url}/`);
  t.equal(page.status, 200, 'the demo page');
  t.match(page.headers.get('content-type'), /^text\/html/);
  t.match(page.headers.get('content-security-policy'), /^default-src 'none'; script-src 'self';.*connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:/, 'with its CSP');
  t.match(await page.text(), /data-parley-identifier="welcome"[\s\S]*<script src="\/widget\/parley.js" defer><\/script>/, 'embedding the welcome thread');
  t.equal((await fetch(`${first.url}/demo/second`)).status, 200, 'the second demo page');
  const widget = await fetch(`${first.url}/widget/parley.js`);
  t.equal(widget.status, 200, 'the widget bundle is served');
  t.match(widget.headers.get('content-type'), /^application\/javascript/);
  t.ok((await widget.text()).length > 1000, 'and is the real bundle');
  const secondThread = await fetch(`${first.url}/v1/forums/demo/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: 'second-article' }) });
  t.equal(secondThread.status, 200, 'the second page\'s thread exists already');

  // Node's built-in WebSocket client (the browser API)
  const ws = new WebSocket(`${first.url.replace('http', 'ws')}/v1/realtime`);
  const hello = await new Promise<string>((ok) => ws.addEventListener('message', (e) => ok(String(e.data)), { once: true }));
  t.match(JSON.parse(hello), { op: 'hello', protocol: 1 }, 'realtime attached');
  const wsClosed = new Promise<number>((ok) => ws.addEventListener('close', (e) => ok(e.code)));

  // what the README promises a new user: open the printed URL in two windows and comment live
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const [a, b] = await Promise.all([openReader(browser, `${first.url}/`, 'window A'), openReader(browser, `${first.url}/`, 'window B')]);
    await Promise.all([a.subscribed(), b.subscribed()]);
    const post = await a.compose('First comment on the demo', { name: 'Ann' });
    await t.resolves(b.post(post.id).waitFor({ timeout: 2000 }), 'a comment posted in one window shows in the other, live');
    await b.post(post.id).locator('button.parley-reply').click();
    const reply = await b.compose('And a reply', { name: 'Bo', form: b.post(post.id).locator(':scope > form.parley-composer') });
    await t.resolves(a.post(reply.id).waitFor({ timeout: 2000 }), 'and a reply back');
    const other = await openReader(browser, `${first.url}/demo/second`, 'second article');
    await other.subscribed();
    t.same(await other.postIds(), [], 'the second article has its own, empty thread');
    // the listing's counts come from the worker's counters: reload until they arrive
    await until('the listing to count 2 comments', 10_000, async () => {
      await a.page.reload();
      return (await a.page.getAttribute('[data-parley-count="welcome"]', 'data-parley-counted')) === '2' ? true : undefined;
    });
    t.equal(await a.page.locator('[data-parley-count="welcome"]').first().innerText(), '2 comments', 'the listing counts them');
    for (const r of [a, b, other]) t.same(r.problems, [], `${r.label}: no console errors or CSP violations`);
  } finally {
    await browser.close();
  }

  t.equal(await first.stop('SIGINT'), 0, 'SIGINT exits 0');
  t.equal(await wsClosed, 1012, 'websocket clients were told to reconnect');
  t.match(first.out(), /stopped api[\s\S]*stopped realtime[\s\S]*stopped worker[\s\S]*stopped database pools[\s\S]*stopped embedded Postgres/, 'stopped in order');

  const second = await start(dataDir, pgPort);
  t.equal(second.adminToken, first.adminToken, 'same admin token after restart');
  t.equal(second.moderatorKey, first.moderatorKey, 'moderator key read back from demo.json');
  t.match(second.out(), /migrations: up to date/);
  t.notMatch(second.out(), /initialising a new Postgres cluster/, 'no re-init');
  t.notMatch(second.out(), /created the demo forum/, 'demo not created twice');
  const thread = await fetch(`${second.url}/v1/threads/${demo.threadId}`);
  t.equal(thread.status, 200, 'the demo thread survived the restart');
  t.equal(await second.stop('SIGTERM'), 0, 'SIGTERM exits 0');
});
