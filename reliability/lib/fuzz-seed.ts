// Real things for the fuzzer to aim at, made up front through the public API: forums (one
// open, one pre-moderated with an origin list), threads, posts and replies with their edit tokens,
// a user and its session token, webhooks, event ids, page cursors and signed unsubscribe tokens.
// With these, generated requests reach the commands and queries, not only the validators.
import pg from 'pg';
import { signUnsubscribe } from '@parley/data';
import { FUZZ_ADMIN_TOKEN, FUZZ_SECRET } from './fuzz-stack.ts';

export interface Fixtures {
  adminToken: string;
  forums: { slug: string; id: string; moderatorKey: string }[];
  threads: { id: string; identifier: string; slug: string }[];
  posts: { id: string; threadId: string; slug: string; editToken?: string; userToken?: string }[];
  users: { username: string; password: string; token: string }[];
  /** sessions of a third user, spent by the requests that end sessions (a spent one is a 401) */
  spareTokens: string[];
  /** throwaway accounts (each with a post), spent by the requests that delete an account: the seeded users stay */
  erasable: { token: string; password: string }[];
  /** live: each forum's single sign-on secret (a rotation the run makes replaces it; see `observe`) */
  ssoSecrets: Record<string, string>;
  /** live: webhooks the run creates are added and deleted ones removed (see `observe` in fuzz-valid) */
  webhooks: { id: string; slug: string; madeByRun?: boolean }[];
  eventIds: string[];
  cursors: { threadId: string; sort: 'oldest' | 'top'; cursor: string }[];
  unsubscribeTokens: string[];
  origins: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the seed reads the API's JSON answers as the API documents them
async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`seed: ${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function seed(base: string, databaseUrl: string): Promise<Fixtures> {
  const f: Fixtures = {
    adminToken: FUZZ_ADMIN_TOKEN,
    forums: [],
    threads: [],
    posts: [],
    users: [],
    spareTokens: [],
    erasable: [],
    ssoSecrets: {},
    webhooks: [],
    eventIds: [],
    cursors: [],
    unsubscribeTokens: [],
    origins: ['https://allowed.example'],
  };
  const forumSpecs = [
    { slug: 'fuzz-open', name: 'Open forum', settings: { editWindowSeconds: 3600 } },
    { slug: 'fuzz-strict', name: 'Strict forum', settings: { preModeration: true, maxDepth: 2, allowedOrigins: f.origins } },
  ];
  for (const spec of forumSpecs) {
    const r = await call(base, 'POST', '/v1/forums', spec, FUZZ_ADMIN_TOKEN);
    f.forums.push({ slug: r.forum.slug, id: r.forum.id, moderatorKey: r.moderatorKey });
  }
  for (const forum of f.forums) {
    for (let i = 0; i < 3; i++) {
      const identifier = `page-${i}`;
      const r = await call(base, 'POST', `/v1/forums/${forum.slug}/threads`, { identifier, title: `Page ${i}`, url: `https://site.example/${i}` });
      f.threads.push({ id: r.thread.id, identifier, slug: forum.slug });
    }
  }
  for (let u = 0; u < 2; u++) {
    const username = `fuzzer_${u}`;
    const password = `password-${u}-long-enough`;
    const r = await call(base, 'POST', '/v1/users', { username, email: `fuzzer${u}@example.com`, password });
    f.users.push({ username, password, token: r.token });
  }
  {
    const spare = { username: 'fuzzer_spare', password: 'spare-password-long-enough' };
    f.spareTokens.push((await call(base, 'POST', '/v1/users', { ...spare, email: 'spare@example.com' })).token);
    for (let i = 0; i < 24; i++) f.spareTokens.push((await call(base, 'POST', '/v1/sessions', spare)).token);
  }
  for (const forum of f.forums) f.ssoSecrets[forum.slug] = (await call(base, 'POST', `/v1/forums/${forum.slug}/sso-secret`, undefined, forum.moderatorKey)).secret;
  for (const thread of f.threads) {
    const forum = f.forums.find((x) => x.slug === thread.slug)!;
    let parent: string | undefined;
    for (let i = 0; i < 4; i++) {
      const body = { message: `seed comment ${i} with **markdown** and a <b>tag</b>`, ...(parent ? { parentId: parent } : {}), author: { name: `Guest ${i}`, email: `guest${i}@example.com` }, notify: i % 2 === 0 };
      // in the pre-moderated forum, replies need a published parent: the moderator posts those
      const token = forum.slug === 'fuzz-strict' ? forum.moderatorKey : undefined;
      const r = await call(base, 'POST', `/v1/threads/${thread.id}/posts`, body, token);
      f.posts.push({ id: r.post.id, threadId: thread.id, slug: forum.slug, editToken: r.editToken });
      if (i < 2) parent = r.post.id;
    }
    const byUser = await call(base, 'POST', `/v1/threads/${thread.id}/posts`, { message: 'from a user' }, f.users[0].token);
    if (forum.slug === 'fuzz-open') {
      const throwaway = { username: `fuzzer_erasable_${f.erasable.length}`, password: 'erasable-password-long-enough' };
      const r = await call(base, 'POST', '/v1/users', { ...throwaway, email: `erasable${f.erasable.length}@example.com` });
      await call(base, 'POST', `/v1/threads/${thread.id}/posts`, { message: 'from a user who will leave' }, r.token);
      f.erasable.push({ token: r.token, password: throwaway.password });
    }
    f.posts.push({ id: byUser.post.id, threadId: thread.id, slug: forum.slug, userToken: f.users[0].token });
    const page = await call(base, 'GET', `/v1/threads/${thread.id}/posts?limit=1`);
    if (page.nextCursor) f.cursors.push({ threadId: thread.id, sort: 'oldest', cursor: page.nextCursor });
    const top = await call(base, 'GET', `/v1/threads/${thread.id}/posts?limit=2&sort=top`);
    if (top.nextCursor) f.cursors.push({ threadId: thread.id, sort: 'top', cursor: top.nextCursor });
  }
  for (const forum of f.forums) {
    for (const url of ['http://127.0.0.1:9/hook-a', 'https://127.0.0.1:9/hook-b']) {
      const r = await call(base, 'POST', `/v1/forums/${forum.slug}/webhooks`, { url }, forum.moderatorKey);
      f.webhooks.push({ id: r.webhook.id, slug: forum.slug });
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id::text FROM events ORDER BY id LIMIT 40');
    f.eventIds = rows.map((r) => r.id);
  } finally {
    await client.end();
  }
  f.unsubscribeTokens = ['guest0@example.com', 'fuzzer1@example.com', 'someone@else.example'].map((email) => signUnsubscribe(FUZZ_SECRET, { email }));
  return f;
}
