// A bad request is never a 500: random bodies, query strings, ids and headers against every
// route, from a seeded generator so a failure replays.
import t from 'tap';
import { ADMIN_TOKEN, testApi } from '../../../test/harness/app.ts';

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

// with the moderation rules off (the harness's default) and on (the write path that judges)
for (const moderationRules of [false, true]) t.test(`random input never gets a 500 (moderation rules ${moderationRules ? 'on' : 'off'})`, async (t) => {
  const api = await testApi(t, { moderationRules });
  const { forum, moderatorKey } = await api.forum('fuzz');
  const thread = await api.thread(forum.slug);
  const { post, editToken } = await api.post(thread.id);
  const seed = Number(process.env.PARLEY_FUZZ_SEED ?? 20261126);
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const scalars = [null, true, false, 0, -1, 1.5, 1e308, '', ' ', 'x', '1', '-1', '9'.repeat(30), '<script>', '\u0000', '😀', [], {}, [1, 'a'], { a: 1 }];
  const keys = ['message', 'parentId', 'author', 'name', 'email', 'slug', 'settings', 'identifier', 'url', 'title', 'value', 'username', 'password', 'notify', 'maxDepth', 'allowedOrigins', '__proto__', 'constructor'];
  const value = (depth: number): unknown => {
    if (depth > 2 || r() < 0.6) return pick(scalars);
    if (r() < 0.5) return Array.from({ length: Math.floor(r() * 3) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pick(keys), value(depth + 1)]));
  };
  const ids = [thread.id, post.id, '0', '-1', 'abc', '1e3', '99999999999999999999', '%00', '1%20OR%201=1', encodeURIComponent('../..')];
  const tokens = [undefined, ADMIN_TOKEN, moderatorKey, editToken, 'pmk_x', 'put_x', 'pet_x', 'garbage'];
  const routes = [
    ['POST', () => '/v1/forums'],
    ['GET', () => `/v1/forums/${pick(['fuzz', 'Fuzz', 'x', '%ff', 'a'.repeat(70)])}`],
    ['PATCH', () => `/v1/forums/${pick(['fuzz', 'nope-nope'])}`],
    ['POST', () => `/v1/forums/${pick(['fuzz', 'BAD'])}/threads`],
    ['GET', () => `/v1/threads/${pick(ids)}`],
    ['GET', () => `/v1/threads/${pick(ids)}/posts?${pick(['', 'sort=top', 'sort=x', 'limit=-5', 'limit=1.5', 'cursor=abc', 'cursor=', 'limit=1e9', 'sort=newest&sort=top'])}`],
    ['POST', () => `/v1/threads/${pick(ids)}/posts`],
    ['GET', () => `/v1/threads/${pick(ids)}/events?${pick(['', 'after=abc', 'after=1e30', 'limit=0', 'after=3&limit=2'])}`],
    ['PATCH', () => `/v1/posts/${pick(ids)}`],
    ['POST', () => `/v1/posts/${pick(ids)}/${pick(['approve', 'spam', 'delete', 'restore', 'x'])}`],
    ['PUT', () => `/v1/posts/${pick(ids)}/vote`],
    ['POST', () => '/v1/users'],
    ['POST', () => '/v1/sessions'],
  ] as const;
  const fivehundreds: string[] = [];
  for (let i = 0; i < 600; i++) {
    const [method, path] = pick(routes);
    const url = path();
    const raw = r() < 0.1 ? pick(['{', '[1,', 'null', '"s"', '{"message":}', '\u0000']) : undefined;
    const res = await api.req(method, url, {
      token: pick(tokens),
      headers: r() < 0.2 ? { 'x-parley-voter': pick(['short', 'k'.repeat(20), 'ü'.repeat(20)]), origin: pick(['null', 'https://x.example']) } : {},
      ...(method === 'GET' ? {} : raw !== undefined ? { raw } : { body: value(0) }),
    });
    if (res.status >= 500) fivehundreds.push(`${method} ${url} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    else if (res.status >= 400 && typeof res.body?.error?.code !== 'string') fivehundreds.push(`${method} ${url} -> ${res.status} without an error code`);
  }
  t.same(fivehundreds, [], `seed ${seed}: every refusal is a 4xx with a code`);
});

t.test('cursors at the edges of the id and score ranges are refused, not crashed on', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  for (const [sort, cursor] of [
    ['oldest', enc({ s: 'oldest', p: ['9999999999999999999'] })],
    ['top', enc({ s: 'top', p: ['1'], r: 2 ** 40 })],
    ['top', enc({ s: 'top', p: ['1'], r: 1.5 })],
    ['newest', enc({ s: 'newest', p: ['1', '9223372036854775808'] })],
  ] as const) {
    const r = await api.req('GET', `/v1/threads/${thread.id}/posts?sort=${sort}&cursor=${cursor}`);
    t.same([r.status, r.body.error?.code], [400, 'invalid_cursor'], `${sort} ${cursor}`);
  }
  const fine = await api.req('GET', `/v1/threads/${thread.id}/posts?sort=oldest&cursor=${enc({ s: 'oldest', p: ['9223372036854775807'] })}`);
  t.same([fine.status, fine.body.posts], [200, []], 'the largest id is a valid cursor');
});
