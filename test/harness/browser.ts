// Real-browser tests of the widget: the API with realtime attached on a loopback port, the worker
// (counts come from it), the widget built once into a temp dir, a host-page server on another
// loopback port (another origin, as a real site is) serving pages that embed the widget with the
// README's snippet under a strict Content-Security-Policy, and headless Chromium from Debian's
// package driven by playwright-core, one browser per test file.
//
// Every page records console errors (a CSP violation is one: "Refused to …" in older Chromium,
// "… violates the following Content Security Policy directive …" in newer), uncaught exceptions
// and dialogs; `stack.test` fails a test whose pages logged any, and saves a screenshot of each of
// its pages under test-artifacts/failures/ when it fails.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
export type { Locator, Page } from 'playwright-core';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type WebSocket } from 'playwright-core';
import type { Config } from '@parley/data';
import { buildWidget, type WidgetBuild } from '../../apps/widget/build.ts';
import type { TestApi } from './app.ts';
import { testRealtimeStack } from './realtime.ts';
import { testWorker, type TestWorker } from './worker.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** screenshots and other files a run leaves to look at (ignored by git) */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');
export const CHROMIUM = process.env.PARLEY_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** How a test page embeds the widget: the README's snippet, and its optional attributes. */
export interface Embed {
  forum: string;
  identifier: string;
  title?: string;
  theme?: 'auto' | 'light' | 'dark';
  lang?: string;
  pageSize?: number;
  /** the strict Content-Security-Policy header (default true) */
  csp?: boolean;
  /** data-parley-sso: the site's Disqus remote_auth_s3 value */
  sso?: string;
  /** data-parley-sso-jwt: the site's single sign-on JWT */
  ssoJwt?: string;
}

export interface Reader {
  label: string;
  context: BrowserContext;
  page: Page;
  /** section.parley */
  widget: Locator;
  /** console errors, CSP violations, uncaught exceptions and dialogs, as text */
  problems: string[];
  /** every websocket the page opened */
  sockets: WebSocket[];
  /** text frames the page's websockets received, in order */
  frames: string[];
  /** `METHOD /path?query` of every request the page made */
  requests: string[];
  /** waits until the page's websockets received `n` "subscribed" frames in all */
  subscribed(n?: number, timeoutMs?: number): Promise<void>;
  /** waits until a received frame matches `pred` */
  frame(what: string, pred: (frame: any) => boolean, timeoutMs?: number): Promise<any>;
  /** section.parley's data-seq */
  seq(): Promise<number>;
  /** li.parley-post of one post */
  post(id: string): Locator;
  /** data-post-id of every li.parley-post shown, in document order */
  postIds(): Promise<string[]>;
  /** data-post-id of the top-level posts, in order */
  topIds(): Promise<string[]>;
  /** fills a composer (the top-level one by default), submits it, and returns the created post */
  compose(message: string, opts?: { form?: Locator; name?: string; email?: string }): Promise<any>;
}

export interface OpenOptions extends BrowserContextOptions {
  label?: string;
  /** wait for section.parley[data-state=ready] (default true) */
  waitReady?: boolean;
  /** console errors this test expects (an API refusal logs "Failed to load resource: … 400") */
  allow?: RegExp[];
}

export type Open = (url: string, opts?: OpenOptions) => Promise<Reader>;

export interface BrowserStack {
  api: TestApi;
  /** http://127.0.0.1:port of the API (and the widget's files) */
  apiUrl: string;
  worker: TestWorker;
  browser: Browser;
  widget: WidgetBuild;
  /** http://127.0.0.1:port of the host pages */
  hostUrl: string;
  /** a page that embeds one thread; returns its URL */
  article(embed: Embed): string;
  /** a new forum (with `settings`) and thread, and an article page embedding it */
  thread(settings?: Record<string, unknown>, embed?: Partial<Embed>): Promise<{ slug: string; moderatorKey: string; thread: any; url: string }>;
  /** a listing page with a count link per identifier and count.js; returns its URL */
  listing(forum: string, identifiers: string[]): string;
  /** a subtest whose pages are checked for problems and closed at its end */
  test(name: string, fn: (t: Test, open: Open) => Promise<void>): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function browserStack(t: Test, overrides: Partial<Config> = {}): Promise<BrowserStack> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-widget-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const widget = await buildWidget(dir);

  const { api, httpUrl: apiUrl, wsUrl } = await testRealtimeStack(t, overrides, { widgetDir: dir });
  const worker = await testWorker(t, api);
  const wsOrigin = new URL(wsUrl).origin.replace(/^http/, 'ws');
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${apiUrl}`,
    `style-src 'self' ${apiUrl}`,
    `connect-src ${apiUrl} ${wsOrigin}`,
    // the widget's session frame (account bar, sign-in) is served by the API
    `frame-src ${apiUrl}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  const pages = new Map<string, { html: string; csp: boolean }>();
  let pageSeq = 0;
  const host = createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...(page.csp ? { 'content-security-policy': csp } : {}),
    });
    res.end(page.html);
  });
  await new Promise<void>((ok) => host.listen(0, '127.0.0.1', ok));
  t.teardown(
    () =>
      new Promise<void>((ok) => {
        host.close(() => ok());
        host.closeAllConnections();
      }),
  );
  const hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  const addPage = (title: string, body: string, withCsp: boolean) => {
    const path = `/page-${++pageSeq}`;
    pages.set(path, {
      csp: withCsp,
      html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title></head><body>${body}</body></html>`,
    });
    return hostUrl + path;
  };

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());

  const stack: BrowserStack = {
    api,
    apiUrl,
    worker,
    browser,
    widget,
    hostUrl,
    article(e) {
      const attrs = [
        `data-parley-forum="${esc(e.forum)}"`,
        `data-parley-identifier="${esc(e.identifier)}"`,
        e.title !== undefined && `data-parley-title="${esc(e.title)}"`,
        e.theme && `data-parley-theme="${e.theme}"`,
        e.lang && `data-parley-lang="${esc(e.lang)}"`,
        e.pageSize && `data-parley-page-size="${e.pageSize}"`,
        e.sso !== undefined && `data-parley-sso="${esc(e.sso)}"`,
        e.ssoJwt !== undefined && `data-parley-sso-jwt="${esc(e.ssoJwt)}"`,
      ].filter(Boolean);
      const body =
        `<main><article><h1>An article</h1><p>Some text before the comments.</p></article>` +
        `<div ${attrs.join(' ')}></div></main>` +
        `<script src="${apiUrl}/widget/parley.js" defer></script>`;
      return addPage(e.title ?? 'An article', body, e.csp ?? true);
    },
    async thread(settings, embed = {}) {
      const { forum, moderatorKey } = await api.forum(undefined, settings);
      const identifier = embed.identifier ?? `article-${++pageSeq}`;
      const thread = await api.thread(forum.slug, identifier);
      return { slug: forum.slug, moderatorKey, thread, url: stack.article({ forum: forum.slug, identifier, ...embed }) };
    },
    listing(forum, identifiers) {
      const links = identifiers.map((id) => `<li><a href="/posts/${esc(id)}" data-parley-count="${esc(id)}">comments</a></li>`).join('');
      const body = `<main><h1>Posts</h1><ul>${links}</ul></main><script src="${apiUrl}/widget/count.js" data-parley-forum="${esc(forum)}" defer></script>`;
      return addPage('Posts', body, true);
    },
    test: (name, fn) =>
      t.test(name, async (t) => {
        const readers: Reader[] = [];
        const open: Open = async (url, opts = {}) => {
          const { label = `reader ${readers.length + 1}`, waitReady = true, allow = [], ...contextOptions } = opts;
          const reader = await openReader(browser, url, label, allow, contextOptions);
          readers.push(reader);
          if (waitReady) await reader.page.waitForSelector('section.parley[data-state=ready]', { timeout: 10_000 });
          return reader;
        };
        try {
          await fn(t, open);
          for (const r of readers) t.same(r.problems, [], `${r.label}: no console errors, CSP violations, page errors or dialogs`);
          if (!t.passing()) await saveFailureScreenshots(name, readers);
        } catch (err) {
          await saveFailureScreenshots(name, readers);
          for (const r of readers) if (r.problems.length) t.comment(`${r.label} problems:\n${r.problems.join('\n')}`);
          throw err;
        } finally {
          await Promise.all(readers.map((r) => r.context.close().catch(() => {})));
        }
      }).then(() => {}),
  };
  return stack;
}

/** readers' labels, for messages of helpers that get only the page */
const labels = new WeakMap<Page, string>();

/** A reader in a new browser context on `url`, recording problems (see the top of this file). */
export async function openReader(browser: Browser, url: string, label: string, allow: RegExp[] = [], options: BrowserContextOptions = {}): Promise<Reader> {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  const page = await context.newPage();
  labels.set(page, label);
  const problems: string[] = [];
  const sockets: WebSocket[] = [];
  const frames: string[] = [];
  const requests: string[] = [];
  const waiters = new Set<() => void>();
  page.on('console', (m) => {
    const text = m.text();
    // a CSP violation is never allowed
    const refused = /^Refused to|Content Security Policy/.test(text);
    if ((m.type() === 'error' || refused) && (refused || !allow.some((re) => re.test(text)))) problems.push(`console.${m.type()}: ${text}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog (${d.type()}): ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    requests.push(`${r.method()} ${u.pathname}${u.search}`);
  });
  page.on('websocket', (ws) => {
    sockets.push(ws);
    ws.on('framereceived', (f) => {
      frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString());
      for (const w of waiters) w();
    });
  });
  const parsed: any[] = [];
  /** resolves with the first non-undefined `probe(every frame so far)` */
  const watch = <T>(what: string, probe: (all: any[]) => T | undefined, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        while (parsed.length < frames.length) parsed.push(JSON.parse(frames[parsed.length]));
        const hit = probe(parsed);
        if (hit === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${label}: timed out after ${timeoutMs} ms waiting for ${what}; frames: ${frames.join(' ').slice(-800)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  await page.goto(url);
  const widget = page.locator('section.parley');
  const ids = (selector: string) => page.$$eval(selector, (els) => els.map((el) => (el as HTMLElement).dataset.postId ?? ''));
  return {
    label,
    context,
    page,
    widget,
    problems,
    sockets,
    frames,
    requests,
    async subscribed(n = 1, timeoutMs = 10_000) {
      await watch(`${n} "subscribed" frame(s)`, (all) => (all.filter((f) => f.op === 'subscribed').length >= n ? true : undefined), timeoutMs);
    },
    frame: (what, pred, timeoutMs = 5000) => watch(what, (all) => all.find(pred), timeoutMs),
    seq: async () => Number(await widget.getAttribute('data-seq')),
    post: (id) => page.locator(`li.parley-post[data-post-id="${id}"]`),
    postIds: () => ids('section.parley li.parley-post'),
    topIds: () => ids('section.parley ol.parley-posts > li.parley-post'),
    async compose(message, opts = {}) {
      const form = opts.form ?? widget.locator(':scope > form.parley-composer');
      for (const [field, value] of [['name', opts.name ?? 'Ann'], ['email', opts.email ?? 'ann@example.com']] as const) {
        const input = form.locator(`input[name=${field}]`);
        if ((await input.count()) && (await input.isVisible()) && !(await input.inputValue())) await input.fill(value);
      }
      await form.locator('textarea[name=message]').fill(message);
      const [res] = await Promise.all([page.waitForResponse(isPostCreate), form.locator('button.parley-submit').click()]);
      const body = await res.json();
      if (res.status() !== 201) throw new Error(`${label}: posting answered ${res.status()} ${JSON.stringify(body)}`);
      return body.post;
    },
  };
}

/** the widget's POST /v1/threads/:id/posts */
export const isPostCreate = (r: { url(): string; request(): { method(): string } }): boolean =>
  r.request().method() === 'POST' && /^\/v1\/threads\/[^/]+\/posts$/.test(new URL(r.url()).pathname);

async function saveFailureScreenshots(name: string, readers: Reader[]): Promise<void> {
  const dir = join(ARTIFACTS_DIR, 'failures');
  await mkdir(dir, { recursive: true });
  const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60);
  await Promise.all(readers.map((r, i) => r.page.screenshot({ path: join(dir, `${slug}-${i + 1}.png`), fullPage: true }).catch(() => {})));
}

/** li.parley-post of one post, as a selector */
export const postSel = (id: string): string => `li.parley-post[data-post-id="${id}"]`;
/** an element of one post's own article (not of its replies) */
export const ownSel = (id: string, inner: string): string => `${postSel(id)} > article ${inner}`;

/** Waits until the trimmed text of the first element matching `selector` equals (or matches) `expected`. */
export async function waitText(page: Page, selector: string, expected: string | RegExp, timeoutMs = 5000): Promise<void> {
  const [source, flags, exact] = typeof expected === 'string' ? ['', '', expected] : [expected.source, expected.flags, null];
  try {
    await page.waitForFunction(
      ({ selector, source, flags, exact }) => {
        const text = document.querySelector(selector)?.textContent?.trim();
        return text !== undefined && (exact !== null ? text === exact : new RegExp(source, flags).test(text));
      },
      { selector, source, flags, exact },
      { timeout: timeoutMs },
    );
  } catch (err) {
    const now = await page.evaluate((s) => document.querySelector(s)?.textContent?.trim() ?? '(no such element)', selector).catch(() => '?');
    throw new Error(`${labels.get(page) ?? 'page'}: ${selector}: expected ${String(expected)}, has ${JSON.stringify(now)} (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Waits until the focused element matches `selector`. */
export async function waitFocus(page: Page, selector: string, timeoutMs = 5000): Promise<void> {
  try {
    await page.waitForFunction((s) => document.activeElement?.matches(s) === true, selector, { timeout: timeoutMs });
  } catch {
    const now = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200) ?? 'none');
    throw new Error(`${labels.get(page) ?? 'page'}: focus never reached ${selector}; it is on ${now}`);
  }
}

/**
 * Holds back the answers to the page's API requests that `match`, each until `release(its body)`
 * settles: a slow network, to make a race between an answer and a live event come out one way.
 */
export async function holdResponses(page: Page, match: (method: string, path: string) => boolean, release: (body: any) => Promise<unknown>): Promise<void> {
  await page.route(
    (url) => url.pathname.startsWith('/v1/'),
    async (route) => {
      const req = route.request();
      if (!match(req.method(), new URL(req.url()).pathname)) return route.fallback();
      const res = await route.fetch();
      await release(await res.json().catch(() => undefined));
      await route.fulfill({ response: res });
    },
  );
}

/** Presses Tab (Shift+Tab with `back`) until the focused element matches `selector`; fails after `max` presses. */
export async function tabTo(page: Page, selector: string, opts: { max?: number; back?: boolean } = {}): Promise<void> {
  const max = opts.max ?? 60;
  const trail: string[] = [];
  for (let i = 0; i <= max; i++) {
    const here = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (el?.matches(sel)) return null;
      return el ? `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}` : 'none';
    }, selector);
    if (here === null) return;
    trail.push(here);
    if (i < max) await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}; focus went through: ${trail.join(' → ')}`);
}
