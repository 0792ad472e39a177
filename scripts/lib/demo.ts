// The demo forum that `pnpm start` sets up on first run, created through the public API over HTTP
// (the same path an operator would take), so a fresh install has something to look at. Its two
// threads are shown by the demo pages in apps/widget/demo (served at / and /demo/second).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const DEMO_SLUG = 'demo';
export const DEMO_THREAD = 'welcome';
export const DEMO_SECOND_THREAD = 'second-article';
/** the demo pages: static HTML that embeds the widget as its README documents */
export const DEMO_PAGES_DIR = fileURLToPath(new URL('../../apps/widget/demo/', import.meta.url));

export interface Demo {
  moderatorKey?: string;
  threadId?: string;
}

async function call(base: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}

/**
 * Creates forum `demo` and its `welcome` thread unless the forum exists, saving the moderator key
 * and thread id to `file`, and makes sure the second page's thread exists too (installs from before
 * the demo pages lack it). Returns what `file` holds afterwards (empty when the forum predates it).
 */
export async function ensureDemo(base: string, adminToken: string, file: string, log: (line: string) => void): Promise<Demo> {
  const existing = await call(base, 'GET', `/v1/forums/${DEMO_SLUG}`, undefined);
  if (existing.status === 200) {
    await ensureThread(base, adminToken, DEMO_SECOND_THREAD, 'A second article', '/demo/second');
    return readDemo(file);
  }
  if (existing.status !== 404) throw new Error(`GET /v1/forums/${DEMO_SLUG} answered ${existing.status}: ${JSON.stringify(existing.json)}`);

  const forum = await call(base, 'POST', '/v1/forums', adminToken, { slug: DEMO_SLUG, name: 'Parley demo' });
  if (forum.status !== 201) throw new Error(`creating the demo forum answered ${forum.status}: ${JSON.stringify(forum.json)}`);
  const moderatorKey = String(forum.json.moderatorKey);
  const threadId = await ensureThread(base, adminToken, DEMO_THREAD, 'Welcome to Parley', '/');
  await ensureThread(base, adminToken, DEMO_SECOND_THREAD, 'A second article', '/demo/second');
  const demo = { moderatorKey, threadId };
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  log(`created the demo forum "${DEMO_SLUG}" and thread "${DEMO_THREAD}" (id ${threadId})`);
  return demo;
}

/** Gets or creates a demo thread (the route is idempotent); answers its id. */
async function ensureThread(base: string, adminToken: string, identifier: string, title: string, path: string): Promise<string> {
  const thread = await call(base, 'POST', `/v1/forums/${DEMO_SLUG}/threads`, adminToken, { identifier, title, url: `${base}${path}` });
  if (thread.status !== 201 && thread.status !== 200) throw new Error(`creating the demo thread "${identifier}" answered ${thread.status}: ${JSON.stringify(thread.json)}`);
  return String((thread.json.thread as { id: unknown }).id);
}

async function readDemo(file: string): Promise<Demo> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Demo;
  } catch {
    return {};
  }
}
