// A standalone realtime node (a real `node apps/realtime/src/main.ts` process) through a Postgres
// crash and a Redis crash. The Postgres here is the test's own (test/harness/postgres.ts), killed
// with SIGKILL and restarted on the same port and data directory; the Redis is killed the same
// way. The node must outlive both: keep its websockets, refuse what needs the database with
// `unavailable` (and say 503 on /healthz) while it is away, and, once it is back, reconnect its
// LISTEN session or Redis subscription on its own and deliver every event in order, including
// those whose publish went nowhere (read from the log).
import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import { Database, singleDatabase } from '@parley/data';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { testPostgres, type TestPostgres } from '../../../test/harness/postgres.ts';
import { wsClient, type Client } from '../../../test/harness/realtime.ts';
import { testRedis, type TestRedis } from '../../../test/harness/redis.ts';
import { until } from '../../../test/harness/until.ts';
import { startNode, type NodeProcess } from './node-process.ts';

const DELIVERY_MS = 20_000;
const SWEEP_MS = 300;

interface Stack {
  pg: TestPostgres;
  api: TestApi;
  node: NodeProcess;
}

async function stack(t: Test, redis?: TestRedis, opts: { down?: boolean } = {}): Promise<Stack> {
  const pg = await testPostgres(t);
  if (opts.down) await pg.kill('SIGKILL');
  const db = new Database(singleDatabase(pg.url()), { poolSize: 5 });
  t.teardown(() => db.close());
  const api = await testApi(t, redis ? { redisUrl: redis.url } : {}, db);
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: pg.url(),
    REDIS_URL: redis?.url,
    HOST: '127.0.0.1',
    PARLEY_REALTIME_PORT: '0',
    PARLEY_REALTIME_SWEEP_MS: String(SWEEP_MS),
    PARLEY_DB_POOL_SIZE: '3',
    LOG_LEVEL: 'warn',
  };
  if (!redis) delete env.REDIS_URL;
  const node = await startNode(t, 'A', env, { waitForBus: !opts.down });
  return { pg, api, node };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function writePosts(api: TestApi, threadId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await api.post(threadId);
}

async function pong(c: Client): Promise<void> {
  c.ws.send(JSON.stringify({ op: 'ping' }));
  await c.next((f) => f.op === 'pong', 10_000);
}

/** Watches the node for `ms`: every /healthz answers `status`, and the process stays up. */
async function holds(t: Test, node: NodeProcess, status: number, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  const seen = new Set<number>();
  let polls = 0;
  while (Date.now() < end) {
    seen.add((await node.healthz()).status);
    polls++;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  t.same([...seen], [status], `${what}: /healthz answered ${status} ${polls} times over ${ms} ms`);
  t.ok(node.alive(), `${what}: the node process is up`);
}

t.test('Postgres killed (SIGKILL), then shut down (SIGINT), each time restarted: the node keeps its sockets, says unavailable, recovers by itself, misses nothing', async (t) => {
  const { pg, api, node } = await stack(t);
  t.equal((await node.health()).bus, 'notify', 'LISTEN/NOTIFY mode');
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const later = await api.thread(forum.slug); // first subscribed to during the outage
  const base: number = thread.lastSeq;
  const c = await wsClient(t, node.url);
  t.match(await c.subscribe(thread.id, { after: base }), { op: 'subscribed' });
  await writePosts(api, thread.id, 3);
  await c.reach(thread.id, base + 3, DELIVERY_MS);
  t.match(await node.healthz(), { status: 200, body: { status: 'ok', database: true } });

  // round 1: a crash (every backend gone at once); round 2: a fast shutdown (each session told why)
  for (const [round, signal] of [[1, 'SIGKILL'], [2, 'SIGINT']] as const) {
    const from = base + 3 + (round - 1) * 6;
    await pg.kill(signal);
    const down = await until('/healthz to say the database is away', 15_000, async () => {
      const h = await node.healthz();
      return h.status === 503 ? h : undefined;
    });
    t.match(down.body, { status: 'unavailable', database: false }, `round ${round}: 503 while Postgres is away`);
    const other = await wsClient(t, node.url); // a new connection, while the database is away
    t.match(await other.subscribe(later.id), { op: 'error', code: 'unavailable', threadId: later.id }, 'a subscribe that needs the database: unavailable');
    await pong(c);
    t.equal(c.ws.readyState, c.ws.OPEN, 'the subscribed client keeps its socket');
    await holds(t, node, 503, 2 * SWEEP_MS + 1500, `round ${round}, Postgres away`);

    await pg.restart();
    // At once, before the node's LISTEN session is back: these NOTIFYs reach no one; the log repairs.
    await writePosts(api, thread.id, 3);
    await until('/healthz to say ok again', 20_000, async () => ((await node.healthz()).status === 200 ? true : undefined));
    await until('the LISTEN session to be back', 20_000, async () => ((await node.health()).busConnected ? true : undefined));
    await writePosts(api, thread.id, 3); // live again
    await c.reach(thread.id, from + 6, DELIVERY_MS);
    t.same(c.seqs(thread.id), range(base + 1, from + 6), `round ${round}: every event once, in order, across the outage`);
    t.match(await other.subscribe(later.id), { op: 'subscribed', threadId: later.id }, 'the same subscribe works again');
    other.close();
    t.ok(node.alive(), `round ${round}: the node process is up`);
  }
  t.match(node.output(), /lost the LISTEN session/, 'the node said what happened');
});

t.test('Redis killed (SIGKILL) and restarted: the node keeps its sockets, the log delivers meanwhile, it resubscribes by itself', async (t) => {
  const redis = await testRedis(t);
  const { api, node } = await stack(t, redis);
  t.equal((await node.health()).bus, 'redis', 'Redis mode');
  const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  t.teardown(() => probe.disconnect());
  const { forum } = await api.forum();
  // the API's Redis connection opens on its own: write until one publish has gone out
  const warm = await api.thread(forum.slug);
  await until('the API to publish', 10_000, async () => {
    await api.post(warm.id);
    return api.app.publisher.stats.published > 0 ? true : undefined;
  });
  const thread = await api.thread(forum.slug);
  const later = await api.thread(forum.slug);
  const base: number = thread.lastSeq;
  const c = await wsClient(t, node.url);
  t.match(await c.subscribe(thread.id, { after: base }), { op: 'subscribed' });
  await writePosts(api, thread.id, 3);
  await c.reach(thread.id, base + 3, DELIVERY_MS);

  const info = String(await probe.info('server'));
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  t.ok(pid > 0, `redis-server pid ${pid}`);
  process.kill(pid, 'SIGKILL');
  await until('the node to notice', 15_000, async () => ((await node.health()).busConnected === false ? true : undefined));
  t.match(await node.healthz(), { status: 200, body: { database: true, busConnected: false } }, 'healthy without Redis: the sweep delivers');
  await writePosts(api, thread.id, 3); // published nowhere
  await c.reach(thread.id, base + 6, DELIVERY_MS);
  const other = await wsClient(t, node.url);
  t.match(await other.subscribe(later.id), { op: 'subscribed', threadId: later.id }, 'a subscribe while Redis is away');
  await pong(c);
  t.ok(node.alive(), 'the node process is up');

  await redis.restart();
  await until('the node to resubscribe', 20_000, async () => ((await node.health()).busConnected ? true : undefined));
  const published = api.app.publisher.stats.published;
  await until('the API to publish again', 20_000, async () => {
    await api.post(thread.id);
    return api.app.publisher.stats.published > published ? true : undefined;
  });
  const head = Number((await api.req('GET', `/v1/threads/${thread.id}`)).body.thread.lastSeq);
  await writePosts(api, thread.id, 3);
  await c.reach(thread.id, head + 3, DELIVERY_MS);
  t.same(c.seqs(thread.id), range(base + 1, head + 3), 'every event once, in order, across the outage');
  const { post } = await api.post(later.id);
  t.match((await other.next((f) => f.op === 'events' && f.threadId === later.id, DELIVERY_MS)).events, [{ post: { id: post.id } }], 'the subscription made during the outage delivers');
  t.ok(node.alive(), 'the node process is up');
});

t.test('a node started while Postgres is away listens, says 503, and connects by itself once it is back', async (t) => {
  const { pg, api, node } = await stack(t, undefined, { down: true });
  t.match(await node.healthz(), { status: 503, body: { database: false, busConnected: false } }, 'up, and says the database is away');
  const c = await wsClient(t, node.url);
  await pong(c);
  await holds(t, node, 503, 1500, 'Postgres away since the start');

  await pg.restart();
  await until('the LISTEN session to connect', 20_000, async () => ((await node.health()).busConnected ? true : undefined));
  t.match(await node.healthz(), { status: 200, body: { database: true } });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  t.match(await c.subscribe(thread.id, { after: thread.lastSeq }), { op: 'subscribed' }, 'the connection made during the outage subscribes');
  await writePosts(api, thread.id, 3);
  await c.reach(thread.id, thread.lastSeq + 3, DELIVERY_MS);
  t.same(c.seqs(thread.id), range(thread.lastSeq + 1, thread.lastSeq + 3));
  t.ok(node.alive());
});

t.test('a replay from the log cut short by a Postgres crash resumes by itself once it is back', async (t) => {
  const { pg, api, node } = await stack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const base: number = thread.lastSeq;
  // the node keeps the last 256 to 512 events of a thread in memory: 700 back is read from the log
  const posts = 700;
  await Promise.all(Array.from({ length: 4 }, () => writePosts(api, thread.id, posts / 4)));
  const head = base + posts;
  const warm = await wsClient(t, node.url); // the node serves the thread and has its forum cached
  t.match(await warm.subscribe(thread.id), { op: 'subscribed', seq: head });

  await pg.kill('SIGKILL');
  const behind = await wsClient(t, node.url);
  t.match(await behind.subscribe(thread.id, { after: head - posts }), { op: 'subscribed', seq: head - posts }, 'subscribed from memory; the replay needs the log');
  await until('/healthz to say the database is away', 15_000, async () => ((await node.healthz()).status === 503 ? true : undefined));
  await pg.restart();
  // nothing new is written: only the node's own repair can finish the replay
  await behind.reach(thread.id, head, DELIVERY_MS);
  t.same(behind.seqs(thread.id), range(head - posts + 1, head), 'every event once, in order');
  t.ok(node.alive());
});
