// HAProxy (Debian's, real) in front of two API processes and two realtime nodes, all real
// processes: requests reach the APIs through /healthz-checked round robin, a websocket upgrade passes
// through to a realtime node and streams, and a rolling restart of both APIs under write load
// drops no request: every write is answered 201, and exactly the acknowledged comments exist.
import http from 'node:http';
import t from 'tap';
import pg from 'pg';
import WebSocket from 'ws';
import { apiProcess } from './harness/api-process.ts';
import { ADMIN_TOKEN } from './harness/app.ts';
import { testDatabase } from './harness/db.ts';
import { testHaproxy } from './harness/haproxy.ts';
import { until } from './harness/until.ts';
import { startNode } from '../apps/realtime/test/node-process.ts';

t.test('HAProxy: two APIs, websockets through, a rolling restart under writes loses nothing', async (t) => {
  const { url: databaseUrl } = await testDatabase(t);
  const env = { DATABASE_URL: databaseUrl, PARLEY_ADMIN_TOKEN: ADMIN_TOKEN, PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_TRUST_PROXY: 'true' };
  const [a, b] = await Promise.all([apiProcess(t, 'a', env), apiProcess(t, 'b', env)]);
  const nodes = await Promise.all(['r1', 'r2'].map((name) => startNode(t, name, { ...process.env, ...env, PARLEY_REALTIME_PORT: '0', LOG_LEVEL: 'info' })));
  const upstream = (name: string, url: string) => ({ name, host: '127.0.0.1', port: Number(new URL(url).port) });
  const lb = await testHaproxy(t, {
    api: [upstream('a', a.url), upstream('b', b.url)],
    realtime: nodes.map((n) => upstream(n.name, n.url.replace(/^ws/, 'http'))),
    checkMs: 200,
  });

  // a connection per request (agent: false): what is under test is the APIs behind HAProxy, not
  // a client's keep-alive race with HAProxy itself (seen closing a reused client connection
  // during a restart under a loaded machine: an open item, docs/benchmarks.md and the notes)
  const call = (method: string, path: string, body?: unknown, token?: string) =>
    new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
      const payload = body ? JSON.stringify(body) : undefined;
      const headers = { ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
      const req = http.request(lb.url + path, { method, agent: false, headers }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => {
          let parsed: Record<string, any> = {};
          try {
            parsed = JSON.parse(data) as Record<string, any>;
          } catch {
            // not JSON: an empty body
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  const forum = await call('POST', '/v1/forums', { slug: 'behind-haproxy', name: 'LB' }, ADMIN_TOKEN);
  t.equal(forum.status, 201, 'a write through HAProxy');
  const thread = (await call('POST', '/v1/forums/behind-haproxy/threads', { identifier: 'page' })).body.thread;
  t.equal((await call('GET', '/healthz')).status, 200, '/healthz through HAProxy');

  await t.test('a websocket upgrade passes through to a realtime node and streams', async (t) => {
    const ws = new WebSocket(`ws://127.0.0.1:${lb.port}/v1/realtime`);
    const frames: Record<string, any>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    t.teardown(() => ws.close());
    await until('hello', 5000, async () => (frames[0]?.op === 'hello' ? true : undefined));
    ws.send(JSON.stringify({ op: 'subscribe', threadId: thread.id }));
    await until('subscribed', 5000, async () => (frames.some((f) => f.op === 'subscribed') ? true : undefined));
    const posted = await call('POST', `/v1/threads/${thread.id}/posts`, { message: 'live', author: { name: 'L', email: 'l@example.com' } });
    const events = await until('the event through the tunnel', 10_000, async () => frames.find((f) => f.op === 'events')?.events);
    t.match(events, [{ type: 'PostCreated', post: { id: posted.body.post.id } }]);
  });

  await t.test('a rolling restart of both APIs under writes drops no request', async (t) => {
    const statuses: number[] = [];
    const acked: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const r = await call('POST', `/v1/threads/${thread.id}/posts`, { message: `w${w}-${i}`, author: { name: `W${w}`, email: 'w@example.com' } });
        statuses.push(r.status);
        if (r.status === 201) acked.push(r.body.post.id);
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await until('writes under way', 10_000, async () => (statuses.length > 20 ? true : undefined));
    for (const api of [a, b]) {
      await api.stop();
      await api.start();
      const before = statuses.length;
      await until(`writes after ${api.name} came back`, 10_000, async () => (statuses.length > before + 20 ? true : undefined));
    }
    stop = true;
    await Promise.all(writers);
    const other = statuses.filter((s) => s !== 201);
    t.same(other, [], `${statuses.length} writes across the restarts, every one answered 201`);
    t.equal(new Set(acked).size, acked.length, 'no write applied twice');
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM posts WHERE thread_id = $1 AND message LIKE 'w%'`, [thread.id]);
    await c.end();
    t.equal(rows[0].n, acked.length, 'exactly the acknowledged comments exist');
  });
});
