// CORS on /v1/*: the widget calls the API from other origins. Reads answer every origin; writes
// are still refused per forum (allowedOrigins), and every refusal carries the CORS headers so the
// widget can read it. Preflights answer 204 before the rate limiter and the router.
import t from 'tap';
import { testApi, type Reply } from '../../../test/harness/app.ts';

const SITE = 'https://blog.example';
const PREFLIGHT = { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' };

const cors = (r: Reply) => ({
  allowOrigin: r.headers['access-control-allow-origin'],
  vary: r.headers.vary,
  expose: r.headers['access-control-expose-headers'],
  credentials: r.headers['access-control-allow-credentials'],
});

t.test('a read from another origin gets its origin echoed, never credentials', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const r = await api.req('GET', `/v1/forums/${forum.slug}`, { headers: { origin: SITE } });
  t.equal(r.status, 200);
  t.same(cors(r), { allowOrigin: SITE, vary: 'Origin', expose: 'Retry-After, Parley-Lsn', credentials: undefined });

  const plain = await api.req('GET', `/v1/forums/${forum.slug}`);
  t.equal(plain.headers['access-control-allow-origin'], undefined, 'no Origin, no Allow-Origin');
  t.equal(plain.headers.vary, 'Origin', 'but Vary: Origin, so a cache keeps the two apart');

  const health = await api.req('GET', '/healthz', { headers: { origin: SITE } });
  t.equal(health.headers['access-control-allow-origin'], undefined, 'only /v1/* is cross-origin');
});

t.test('an Origin that is not an origin is not echoed', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  for (const origin of ['https://a.example https://b.example', 'not an origin', `https://${'x'.repeat(400)}.example`]) {
    const r = await api.req('GET', `/v1/forums/${forum.slug}`, { headers: { origin } });
    t.equal(r.status, 200);
    t.equal(r.headers['access-control-allow-origin'], undefined, JSON.stringify(origin.slice(0, 40)));
  }
  const sandboxed = await api.req('GET', `/v1/forums/${forum.slug}`, { headers: { origin: 'null' } });
  t.equal(sandboxed.headers['access-control-allow-origin'], 'null', 'a sandboxed frame may read public data too');
});

t.test('preflight: 204 with the methods, headers and max age; no body, no credentials', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  for (const path of [`/v1/threads/${thread.id}/posts`, '/v1/posts/123/vote', `/v1/forums/${forum.slug}/threads`, '/v1/no-such-route']) {
    const r = await api.req('OPTIONS', path, { headers: PREFLIGHT });
    t.equal(r.status, 204, `${path}: 204, not 404`);
    t.equal(r.body, '', 'no body');
    t.same(
      {
        allowOrigin: r.headers['access-control-allow-origin'],
        methods: r.headers['access-control-allow-methods'],
        headers: r.headers['access-control-allow-headers'],
        maxAge: r.headers['access-control-max-age'],
        credentials: r.headers['access-control-allow-credentials'],
        vary: r.headers.vary,
      },
      {
        allowOrigin: SITE,
        methods: 'GET, POST, PATCH, PUT, DELETE',
        headers: 'authorization, content-type, x-parley-voter, parley-lsn',
        maxAge: '600',
        credentials: undefined,
        vary: 'Origin',
      },
    );
  }
});

t.test('preflights are not rate limited; the 429 of a write carries the CORS headers', async (t) => {
  const api = await testApi(t, { writeRatePerMinute: 3 });
  const { forum } = await api.forum(); // the admin's: not counted
  const thread = await api.thread(forum.slug); // 1
  await api.post(thread.id); // 2
  const preflights: number[] = [];
  for (let i = 0; i < 10; i++) preflights.push((await api.req('OPTIONS', `/v1/threads/${thread.id}/posts`, { headers: PREFLIGHT })).status);
  t.same(preflights, Array(10).fill(204), 'ten preflights past a limit of three writes');

  const body = { message: 'hello', author: { name: 'C', email: 'c@example.com' } };
  const ok = await api.req('POST', `/v1/threads/${thread.id}/posts`, { headers: { origin: SITE }, body }); // 3
  t.equal(ok.status, 201);
  t.equal(ok.headers['access-control-allow-origin'], SITE, 'a write answer carries it');
  const limited = await api.req('POST', `/v1/threads/${thread.id}/posts`, { headers: { origin: SITE }, body });
  t.same([limited.status, limited.body.error.code], [429, 'rate_limited']);
  t.same(cors(limited), { allowOrigin: SITE, vary: 'Origin', expose: 'Retry-After, Parley-Lsn', credentials: undefined });
  t.ok(Number(limited.headers['retry-after']) >= 1, 'Retry-After is there, and exposed to the page');
});

t.test('refusals carry the CORS headers: origin_not_allowed, not found, bad input', async (t) => {
  const api = await testApi(t);
  await api.forum('strict', { allowedOrigins: ['https://good.example'] });
  const good = await api.req('POST', '/v1/forums/strict/threads', { headers: { origin: 'https://good.example' }, body: { identifier: 'a' } });
  t.equal(good.status, 201);
  t.equal(good.headers['access-control-allow-origin'], 'https://good.example');

  const bad = await api.req('POST', '/v1/forums/strict/threads', { headers: { origin: 'https://evil.example' }, body: { identifier: 'b' } });
  t.same([bad.status, bad.body.error.code], [403, 'origin_not_allowed'], 'the write is still refused');
  t.same(cors(bad), { allowOrigin: 'https://evil.example', vary: 'Origin', expose: 'Retry-After, Parley-Lsn', credentials: undefined }, 'and the widget can read why');
  const preflight = await api.req('OPTIONS', '/v1/forums/strict/threads', { headers: { ...PREFLIGHT, origin: 'https://evil.example' } });
  t.equal(preflight.status, 204, 'the preflight passes: the forum decides on the write itself');

  const missing = await api.req('GET', '/v1/forums/no-such-forum', { headers: { origin: SITE } });
  t.same([missing.status, missing.body.error.code, missing.headers['access-control-allow-origin']], [404, 'forum_not_found', SITE]);
  const noRoute = await api.req('GET', '/v1/nothing-here', { headers: { origin: SITE } });
  t.same([noRoute.status, noRoute.body.error.code, noRoute.headers['access-control-allow-origin']], [404, 'route_not_found', SITE]);
  const badJson = await api.req('POST', '/v1/forums/strict/threads', { headers: { origin: SITE }, raw: '{"identifier":' });
  t.same([badJson.status, badJson.body.error.code, badJson.headers['access-control-allow-origin']], [400, 'invalid_json', SITE]);
});
