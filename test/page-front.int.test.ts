// The page front (apps/api/src/page-front.ts): the public's fresh cached pages answered ahead of
// fastify, on a listening API. Its answers must be the route's, byte for byte and header for
// header (the route's are what `inject` gets: inject goes to fastify, never through the front),
// and everything it must not answer reaches the route.
import t from 'tap';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testApi, ADMIN_TOKEN, type TestApi } from './harness/app.ts';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** headers that differ per response whoever sends it (the clock, the connection) */
const PER_RESPONSE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
const comparable = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => !PER_RESPONSE.has(k)).map(([k, v]) => [k, String(v)]).sort(([a], [b]) => a.localeCompare(b)));

async function listening(api: TestApi): Promise<string> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
}

function send(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request(base + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, headers: comparable(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** The route's own answer to the same request (inject goes to fastify's handler, never the front). */
async function routeAnswer(api: TestApi, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await api.app.inject({ method: 'GET', url: path, headers });
  return { status: res.statusCode, headers: comparable(res.headers), body: res.body };
}

t.test('a fresh public page: the front answers as the route does, headers and bytes', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const base = await listening(api);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  for (let i = 0; i < 3; i++) await api.post(thread.id, { message: `comment ${i}` });
  const front = api.app.pageFront;
  const path = `/v1/threads/${thread.id}/posts?limit=2&sort=oldest`;

  const first = await send(base, path);
  t.same([first.status, front.served], [200, 0], 'the first request of a URL is the route\'s, which tells the front its key');
  const second = await send(base, path);
  t.same([second.status, front.served], [200, 1], 'the next one is the front\'s');
  t.same(second, first, 'the same status, headers and bytes');
  const etag = first.headers.etag!;
  const cases: [string, Record<string, string>, number][] = [
    ['no headers', {}, 200],
    ['a site\'s Origin (CORS headers echoed)', { origin: 'https://blog.example' }, 200],
    ['an Origin that is not a browser\'s (not echoed)', { origin: 'not an origin' }, 200],
    ['its ETag back', { 'if-none-match': etag }, 304],
    ['its ETag in a list, weak', { 'if-none-match': `W/"x", W/${etag}` }, 304],
    ['its ETag back, from a site', { 'if-none-match': etag, origin: 'https://blog.example' }, 304],
    ['another ETag', { 'if-none-match': '"other"' }, 200],
  ];
  for (const [name, headers, status] of cases) {
    const before = front.served;
    const fromFront = await send(base, path, headers);
    t.equal(front.served, before + 1, `${name}: the front answered`);
    t.equal(fromFront.status, status, `${name}: ${status}`);
    t.same(fromFront, await routeAnswer(api, path, headers), `${name}: what the route answers`);
  }
  t.equal(second.headers.vary, 'Origin, Authorization, Parley-Lsn');
});

t.test('what the front leaves to the route', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const base = await listening(api);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const thread = await api.thread(forum.slug);
  const { post } = await api.post(thread.id, { message: 'held for a moderator' });
  const front = api.app.pageFront;
  const path = `/v1/threads/${thread.id}/posts`;
  await send(base, path);
  t.equal((await send(base, path)).status, 200);
  t.equal(front.served, 1, 'the URL is learnt and its page fresh');
  const untouched = async (name: string, run: () => Promise<Answer>): Promise<Answer> => {
    const before = front.served;
    const answer = await run();
    t.equal(front.served, before, `${name}: the route's`);
    return answer;
  };
  const mod = await untouched('a moderator (Authorization)', () => send(base, path, { authorization: `Bearer ${moderatorKey}` }));
  t.same(mod.body.includes(post.id), true, 'who sees the held comment');
  t.equal(mod.headers['cache-control'], 'private, no-store');
  const admin = await untouched('a bad token', () => send(base, path, { authorization: 'Bearer nope' }));
  t.equal(admin.status, 401, 'is refused, as before');
  await untouched('a reader bringing a position (Parley-Lsn)', () => send(base, path, { 'parley-lsn': 'content.0:0/1' }));
  const badLsn = await untouched('a malformed Parley-Lsn', () => send(base, path, { 'parley-lsn': 'nope' }));
  t.equal(badLsn.status, 400);
  await untouched('HEAD', () => send(base, path, {}, 'HEAD'));
  await untouched('another spelling of the same page', () => send(base, `${path}?limit=50`));
  await untouched('a URL never answered', () => send(base, `/v1/threads/${thread.id}/posts?sort=oldest`));
  const bad = await untouched('a bad query', () => send(base, `${path}?sort=sideways`));
  t.equal(bad.status, 400);
  t.equal((await untouched('an unknown thread', () => send(base, '/v1/threads/987654321/posts'))).status, 404);
  t.equal((await untouched('a voter header', () => send(base, path, { 'x-parley-voter': 'v1' }))).status, 200);
  const body = await untouched('a GET with a body', () => new Promise<Answer>((ok, fail) => {
    const req = request(base + path, { method: 'GET', headers: { 'content-type': 'application/json', 'content-length': '2' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => ok({ status: res.statusCode!, headers: {}, body: '' }));
    });
    req.on('error', fail);
    req.end('{}');
  }));
  t.equal(body.status, 200);
  t.equal((await send(base, path)).status, 200);
  t.equal(front.served, 2, 'and the plain public request is the front\'s again');
  t.notOk((await send(base, path)).body.includes(post.id), 'the public never sees the held comment');
});

t.test('never past the staleness bound: a stale copy goes to the route, which renders the change', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 300 });
  const base = await listening(api);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  await api.post(thread.id, { message: 'first' });
  const path = `/v1/threads/${thread.id}/posts`;
  await send(base, path);
  await send(base, path);
  t.equal(api.app.pageFront.served, 1);
  const { post } = await api.post(thread.id, { message: 'second' });
  await new Promise((ok) => setTimeout(ok, 350));
  const before = api.app.pageFront.served;
  const after = await send(base, path);
  t.equal(api.app.pageFront.served, before, 'the stale copy is the route\'s to renew');
  t.ok(after.body.includes(post.id), 'with the new comment');
});

t.test('off while request logging is on, and once the app is closing', async (t) => {
  const logged = await testApi(t, { cacheStaleMs: 60_000, logLevel: 'debug' });
  const base = await listening(logged);
  const { forum } = await logged.forum();
  const thread = await logged.thread(forum.slug);
  const path = `/v1/threads/${thread.id}/posts`;
  for (let i = 0; i < 3; i++) t.equal((await send(base, path)).status, 200);
  t.equal(logged.app.pageFront.served, 0, 'every request reaches the route, which logs it');

  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const url = await listening(api);
  const other = await api.forum();
  const th = await api.thread(other.forum.slug);
  const p = `/v1/threads/${th.id}/posts`;
  await send(url, p);
  await send(url, p);
  t.equal(api.app.pageFront.served, 1);
  api.app.pageFront.close();
  t.equal((await send(url, p)).status, 200);
  t.equal(api.app.pageFront.served, 1, 'a closing app\'s front answers nothing: fastify answers (503 once it closes)');
});

t.test('the admin token is a credential like any: the route\'s', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const base = await listening(api);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const path = `/v1/threads/${thread.id}/posts`;
  await send(base, path);
  const served = api.app.pageFront.served;
  const r = await send(base, path, { authorization: `Bearer ${ADMIN_TOKEN}` });
  t.same([r.status, r.headers['cache-control'], api.app.pageFront.served], [200, 'private, no-store', served]);
});
