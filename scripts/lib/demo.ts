// The demo forum that `pnpm start` sets up on first run, created through the public API over HTTP
// (the same path an operator would take), so a fresh install has something to look at.
import { readFile, writeFile } from 'node:fs/promises';

export const DEMO_SLUG = 'demo';
export const DEMO_THREAD = 'welcome';

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
 * and thread id to `file`. Returns what `file` holds afterwards (empty when the forum predates it).
 */
export async function ensureDemo(base: string, adminToken: string, file: string, log: (line: string) => void): Promise<Demo> {
  const existing = await call(base, 'GET', `/v1/forums/${DEMO_SLUG}`, undefined);
  if (existing.status === 200) return readDemo(file);
  if (existing.status !== 404) throw new Error(`GET /v1/forums/${DEMO_SLUG} answered ${existing.status}: ${JSON.stringify(existing.json)}`);

  const forum = await call(base, 'POST', '/v1/forums', adminToken, { slug: DEMO_SLUG, name: 'Parley demo' });
  if (forum.status !== 201) throw new Error(`creating the demo forum answered ${forum.status}: ${JSON.stringify(forum.json)}`);
  const moderatorKey = String(forum.json.moderatorKey);
  const thread = await call(base, 'POST', `/v1/forums/${DEMO_SLUG}/threads`, adminToken, { identifier: DEMO_THREAD, title: 'Welcome to Parley' });
  if (thread.status !== 201 && thread.status !== 200) throw new Error(`creating the demo thread answered ${thread.status}: ${JSON.stringify(thread.json)}`);
  const threadId = String((thread.json.thread as { id: unknown }).id);
  const demo = { moderatorKey, threadId };
  await writeFile(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  log(`created the demo forum "${DEMO_SLUG}" and thread "${DEMO_THREAD}" (id ${threadId})`);
  return demo;
}

async function readDemo(file: string): Promise<Demo> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Demo;
  } catch {
    return {};
  }
}
