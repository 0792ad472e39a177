// The API on a test's own database, driven with `inject` (no sockets), plus small helpers that
// make forums, threads and posts through the public routes.
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '@parley/api';
import { ContentLocator, ForumCache, loadConfig, type Config, type ContentRoute, type Database } from '@parley/data';
import { testDatabase, type TapTest } from './db.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Reply<B = any> {
  status: number;
  body: B;
  headers: Record<string, unknown>;
}

export interface TestApi {
  app: FastifyInstance;
  db: Database;
  url: string;
  config: Config;
  req<B = any>(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string }): Promise<Reply<B>>;
  forum(slug?: string, settings?: Record<string, unknown>): Promise<{ forum: any; moderatorKey: string }>;
  thread(slug: string, identifier?: string): Promise<any>;
  post(threadId: string, body?: Record<string, unknown>, token?: string): Promise<{ post: any; editToken?: string }>;
  /** The content shard that holds a thread or a post (tests run on one database and on a split topology). */
  content(of: { threadId: string } | { postId: string }): Promise<ContentRoute>;
  /** The alias of that shard's primary, as query counts name it (`content.0`). */
  contentAlias(of: { threadId: string } | { postId: string }): Promise<string>;
  /** Runs a read on every database (once each, whatever the layout) and returns all their rows. */
  everywhere(sql: string, values?: unknown[]): Promise<Record<string, any>[]>;
}

let seq = 0;

/** `shared` runs a second app (another "process") on an existing test database. */
export async function testApi(t: TapTest, overrides: Partial<Config> = {}, shared?: Database, deps: Pick<AppDeps, 'publisher' | 'widgetDir' | 'cache'> = {}): Promise<TestApi> {
  const { db, url } = shared ? { db: shared, url: '' } : await testDatabase(t);
  // cacheStaleMs 0: a cached page is rendered again on every read made after the last render
  // began (reads that overlap a render in flight get its copy or the previous one), so a test
  // reads what it just wrote without sending Parley-Lsn; the cache's own tests set a bound
  // rate limits off unless a test sets them: its requests all come from one address
  const unlimited = { writeRatePerMinute: 0, voteRatePerMinute: 0, flagRatePerHour: 0, loginPerAddress: 0, loginPerAccount: 0, resetPerAddress: 0, resetPerEmail: 0 };
  // the moderation rules off unless a test turns them on (moderationRules: true): their defaults
  // hold a new commenter's link and mark fast or repeated texts, and most tests are about what
  // happens once a comment is published
  const config = loadConfig({}, { adminToken: ADMIN_TOKEN, logLevel: 'silent', ...unlimited, moderationRules: false, cacheStaleMs: 0, ...overrides });
  const app = await buildApp({ config, db, ...deps });
  t.teardown(() => app.close());

  const req: TestApi['req'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined = opts.raw;
    if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await app.inject({ method: method as 'GET', url: path, headers, payload });
    let body: unknown = res.body;
    try {
      body = JSON.parse(res.body);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, body: body as never, headers: res.headers };
  };

  const locator = new ContentLocator(db, new ForumCache(db));
  const content: TestApi['content'] = (of) => ('threadId' in of ? locator.threadRoute(of.threadId, { fresh: true }) : locator.postRoute(of.postId, { fresh: true }));
  const api: TestApi = {
    app,
    db,
    url,
    config,
    req,
    content,
    async contentAlias(of) {
      return `content.${(await content(of)).shard}`;
    },
    async everywhere(sql, values) {
      const all = await Promise.all(db.eventSources().map((s) => db.exec({ ...s.route, mode: 'read', fresh: true }, sql, values)));
      return all.flatMap((r) => r.rows);
    },
    async forum(slug, settings) {
      const r = await req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: slug ?? `forum-${process.pid}-${++seq}`, name: 'Test forum', ...(settings ? { settings } : {}) } });
      if (r.status !== 201) throw new Error(`forum: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async thread(slug, identifier) {
      const r = await req('POST', `/v1/forums/${slug}/threads`, { body: { identifier: identifier ?? `page-${++seq}`, title: 'A page', url: 'https://example.com/page' } });
      if (r.status !== 201 && r.status !== 200) throw new Error(`thread: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.thread;
    },
    async post(threadId, body = {}, token) {
      const r = await req('POST', `/v1/threads/${threadId}/posts`, {
        token,
        body: { message: `comment ${++seq}`, ...(token ? {} : { author: { name: 'Guest', email: 'guest@example.com' } }), ...body },
      });
      if (r.status !== 201) throw new Error(`post: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
  return api;
}

/**
 * The test's API listening on a loopback port, and a client for it over real HTTP: JSON in and
 * out, an optional bearer token. (`req` above goes through inject, without sockets.)
 */
export async function overHttp(api: TestApi): Promise<(method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; body: any; text: string }>> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return async (method, path, body, token) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
}
