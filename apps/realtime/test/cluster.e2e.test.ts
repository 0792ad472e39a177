// Two standalone realtime nodes (real `node apps/realtime/src/main.ts` processes) on one test
// database, with writes going through an API that publishes each committed event: to a real Redis
// (redis-server, test/harness/redis.ts) or, in the embedded mode, through Postgres NOTIFY. Clients
// on either node get every event once, in order; a client resumes on the other node (also one that
// is behind it, and after a graceful shutdown of its own); a Redis restart and dropped publishes
// lose nothing.
//
// The nodes of the first two groups run with the sweep off in effect (10 minutes), so only the
// fast path and the repair it triggers (a gap, a bus reconnect) can deliver: a broken fast path
// fails here instead of hiding behind the sweep. The last group turns the sweep on (300 ms) to
// show it delivers what no publish carried.
import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import { redisChannel, type CommittedEvent } from '@parley/data';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { wsClient, type Client, type Frame } from '../../../test/harness/realtime.ts';
import { testRedis, type TestRedis } from '../../../test/harness/redis.ts';
import { until } from '../../../test/harness/until.ts';
import { startNode, type NodeProcess } from './node-process.ts';

const SWEEP_OFF_MS = 600_000;
const SWEEP_FAST_MS = 300;
const DELIVERY_MS = 10_000;

type Node = NodeProcess;

interface Cluster {
  api: TestApi;
  forumSlug: string;
  nodes: [Node, Node];
  redis?: TestRedis;
  /** the API's publisher skips events this returns true for (publisher.drop) */
  drop: { rule: (e: CommittedEvent) => boolean };
  /** subscribers of a thread's Redis channel (PUBSUB NUMSUB) */
  numsub?(threadId: string): Promise<number>;
}

async function startCluster(t: Test, opts: { redis: boolean; sweepMs: number }): Promise<Cluster> {
  const redis = opts.redis ? await testRedis(t) : undefined;
  const drop = { rule: (_e: CommittedEvent) => false };
  const api = await testApi(t, redis ? { redisUrl: redis.url } : {}, undefined, { publisher: { drop: (e) => drop.rule(e) } });
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: api.url,
    REDIS_URL: redis?.url,
    HOST: '127.0.0.1',
    PARLEY_REALTIME_PORT: '0',
    PARLEY_REALTIME_SWEEP_MS: String(opts.sweepMs),
    PARLEY_DB_POOL_SIZE: '3',
    LOG_LEVEL: 'info',
  };
  if (!redis) delete env.REDIS_URL;
  const nodes = (await Promise.all(['A', 'B'].map((name) => startNode(t, name, env)))) as [Node, Node];
  t.same(
    (await Promise.all(nodes.map((n) => n.health()))).map((h) => h.bus),
    [opts.redis ? 'redis' : 'notify', opts.redis ? 'redis' : 'notify'],
    'both nodes use the expected bus',
  );
  const { forum } = await api.forum();
  const cluster: Cluster = { api, forumSlug: forum.slug, nodes, redis, drop };
  if (redis) {
    const probe = new Redis(redis.url, { lazyConnect: true });
    probe.on('error', () => {});
    t.teardown(() => probe.disconnect());
    cluster.numsub = async (threadId) => Number(((await probe.call('PUBSUB', 'NUMSUB', redisChannel(threadId))) as [string, number])[1]);
  }
  // The API's Redis connection opens on its own; a publish before it is ready is lost by design
  // (the sweep would carry it). Write until one publish has gone out.
  const warm = await api.thread(forum.slug);
  await until('the API to publish', 10_000, async () => {
    await api.post(warm.id);
    return api.app.publisher.stats.published > 0 ? true : undefined;
  });
  return cluster;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const eventsOf = (c: Client, threadId: string): Frame[] => c.frames.filter((f) => f.op === 'events' && f.threadId === threadId).flatMap((f) => f.events);

/** Waits for `to`, then: the client holds exactly from..to, each once, in order. */
async function assertRun(t: Test, c: Client, threadId: string, from: number, to: number, what: string): Promise<void> {
  await c.reach(threadId, to, DELIVERY_MS);
  t.same(c.seqs(threadId), range(from, to), what);
}

async function subscribed(t: Test, c: Client, threadId: string, after: number): Promise<void> {
  t.match(await c.subscribe(threadId, { after }), { op: 'subscribed', threadId, seq: after });
}

async function writePosts(api: TestApi, threadId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await api.post(threadId)).post.id);
  return ids;
}

/** Posts one after another until stopped; `count` throws the first failure. */
function writer(api: TestApi, threadId: string) {
  let stopped = false;
  let failure: Error | undefined;
  let count = 0;
  const done = (async () => {
    while (!stopped) {
      try {
        await api.post(threadId);
        count++;
      } catch (err) {
        failure = err as Error;
        return;
      }
    }
  })();
  const check = () => {
    if (failure) throw failure;
    return count;
  };
  return {
    count: check,
    async stop(): Promise<number> {
      stopped = true;
      await done;
      return check();
    },
  };
}

// ---- scenarios, run against a cluster

async function fanOut(t: Test, cl: Cluster): Promise<void> {
  const { api } = cl;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const [a, b] = await Promise.all(cl.nodes.map((n) => wsClient(t, n.url)));
  await subscribed(t, a, thread.id, base);
  await subscribed(t, b, thread.id, base);
  if (cl.numsub) t.equal(await cl.numsub(thread.id), 2, "both nodes listen on the thread's Redis channel");

  const { post } = await api.post(thread.id, { message: 'to node B' });
  await b.reach(thread.id, base + 1, DELIVERY_MS);
  const [first] = eventsOf(b, thread.id);
  t.match(first, { seq: base + 1, type: 'PostCreated' });
  t.same(first.post, post, 'the post reaches node B in the read API shape');

  // one after another, then a burst of concurrent writes (their commit order decides the seqs)
  const ids = [post.id, ...(await writePosts(api, thread.id, 9))];
  const burst = await Promise.all(range(1, 10).map(() => api.post(thread.id)));
  const last = base + 20;
  t.equal((await api.req('GET', `/v1/threads/${thread.id}`)).body.thread.lastSeq, last, 'one event per post');
  for (const [name, c] of [['A', a], ['B', b]] as const) {
    await assertRun(t, c, thread.id, base + 1, last, `node ${name}: every seq once, in order`);
    const got = eventsOf(c, thread.id).map((e) => e.post.id);
    t.same(got.slice(0, 10), ids, `node ${name}: sequential posts in write order`);
    t.same(got.slice(10).sort(), burst.map((r) => r.post.id).sort(), `node ${name}: the burst, each post once`);
  }
}

async function resumeElsewhere(t: Test, cl: Cluster): Promise<void> {
  const { api } = cl;
  const [nodeA, nodeB] = cl.nodes;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  // node B already serves the thread (its hub is warm); node A will have none when we come back
  const bystander = await wsClient(t, nodeB.url);
  await subscribed(t, bystander, thread.id, base);

  const a = await wsClient(t, nodeA.url);
  await subscribed(t, a, thread.id, base);
  await writePosts(api, thread.id, 5);
  await assertRun(t, a, thread.id, base + 1, base + 5, 'before the disconnect');
  a.close();
  await a.closed;
  await writePosts(api, thread.id, 5); // missed

  const b = await wsClient(t, nodeB.url);
  await subscribed(t, b, thread.id, base + 5);
  await writePosts(api, thread.id, 3); // live, after the seam
  await assertRun(t, b, thread.id, base + 6, base + 13, 'resumed on node B: the missed events, then live, nothing twice');
  b.close();
  await b.closed;
  await writePosts(api, thread.id, 4); // missed again

  const again = await wsClient(t, nodeA.url);
  await subscribed(t, again, thread.id, base + 13);
  await writePosts(api, thread.id, 2);
  await assertRun(t, again, thread.id, base + 14, base + 19, 'resumed back on node A (no hub of its own): the same');
  await assertRun(t, bystander, thread.id, base + 1, base + 19, 'the client that stayed saw it all');
}

/** The client has seen events the node it resumes on has not heard of (their publishes were lost). */
async function resumeAhead(t: Test, cl: Cluster): Promise<void> {
  const { api } = cl;
  const [nodeA, nodeB] = cl.nodes;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const bystander = await wsClient(t, nodeB.url);
  await subscribed(t, bystander, thread.id, base);
  cl.drop.rule = (e) => e.threadId === thread.id;
  t.teardown(() => void (cl.drop.rule = () => false));
  await writePosts(api, thread.id, 3); // node B never hears of these

  const a = await wsClient(t, nodeA.url); // node A opens the thread now, from the log
  await subscribed(t, a, thread.id, base);
  await assertRun(t, a, thread.id, base + 1, base + 3, 'node A replays the log');
  a.close();
  await a.closed;

  const b = await wsClient(t, nodeB.url);
  await subscribed(t, b, thread.id, base + 3);
  cl.drop.rule = () => false;
  await writePosts(api, thread.id, 2);
  await assertRun(t, b, thread.id, base + 4, base + 5, 'resumed on node B, which was behind the client: live from there');
  await assertRun(t, bystander, thread.id, base + 1, base + 5, "node B's own subscriber gets the events it had missed, in place");
}

/** A node stops gracefully mid-stream: its clients are told to reconnect and resume on the other one. */
async function failover(t: Test, cl: Cluster): Promise<void> {
  const { api } = cl;
  const [nodeA, nodeB] = cl.nodes;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const a = await wsClient(t, nodeA.url);
  await subscribed(t, a, thread.id, base);
  const w = writer(api, thread.id);
  await a.reach(thread.id, base + 3, DELIVERY_MS);
  await nodeA.stop();
  t.equal((await a.closed).code, 1012, 'told to reconnect (1012 service restart)');
  const seen = Math.max(...a.seqs(thread.id));
  const atStop = w.count();
  await until('posts while the client is away', 10_000, async () => (w.count() >= atStop + 3 ? true : undefined));
  const b = await wsClient(t, nodeB.url);
  await subscribed(t, b, thread.id, seen);
  const resumed = w.count();
  await until('posts after the resume', 10_000, async () => (w.count() >= resumed + 3 ? true : undefined));
  const last = base + (await w.stop());
  await assertRun(t, a, thread.id, base + 1, seen, 'before the shutdown: in order, once');
  await assertRun(t, b, thread.id, seen + 1, last, 'on node B: everything after the last seq seen, once, in order');
}

/** Every second publish dropped, the last one kept: each arriving event reveals the gap before it. */
async function gapRepair(t: Test, cl: Cluster): Promise<void> {
  const { api } = cl;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const clients = await Promise.all(cl.nodes.map((n) => wsClient(t, n.url)));
  for (const c of clients) await subscribed(t, c, thread.id, base);
  const last = base + 11;
  cl.drop.rule = (e) => e.threadId === thread.id && e.seq !== last && (e.seq - base) % 2 === 0;
  t.teardown(() => void (cl.drop.rule = () => false));
  const dropped = api.app.publisher.stats.dropped;
  await writePosts(api, thread.id, 11);
  t.equal(api.app.publisher.stats.dropped - dropped, 5, 'five publishes dropped');
  for (const [i, c] of clients.entries()) await assertRun(t, c, thread.id, base + 1, last, `node ${cl.nodes[i].name}: the dropped events were read from the log, in place`);
}

async function redisRestart(t: Test, cl: Cluster): Promise<void> {
  const { api, redis, numsub } = cl;
  const stats = api.app.publisher.stats;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const clients = await Promise.all(cl.nodes.map((n) => wsClient(t, n.url)));
  for (const c of clients) await subscribed(t, c, thread.id, base);

  const w = writer(api, thread.id);
  await until('posts before the outage', 10_000, async () => (w.count() >= 5 ? true : undefined));
  await clients[0].reach(thread.id, base + 5, DELIVERY_MS);
  await redis!.stop();
  const atStop = w.count();
  await until('posts while Redis is down', 10_000, async () => (w.count() >= atStop + 5 ? true : undefined));
  await redis!.restart();
  // Recovered: both nodes subscribed to the thread again, and the API publishing again.
  await until('both nodes to resubscribe', 10_000, async () => ((await numsub!(thread.id)) === 2 ? true : undefined));
  const published = stats.published;
  await until('the API to publish again', 10_000, async () => (stats.published > published ? true : undefined));
  const recovered = w.count();
  await until('posts after the recovery', 10_000, async () => (w.count() >= recovered + 5 ? true : undefined));
  const written = await w.stop();
  t.comment(`${recovered - atStop} posts written during the outage and the recovery, ${written} in all`);

  const last = base + written;
  for (const [i, c] of clients.entries()) await assertRun(t, c, thread.id, base + 1, last, `node ${cl.nodes[i].name}: every event once, in order`);
  for (const n of cl.nodes) t.match(await n.health(), { status: 'ok', busConnected: true }, `node ${n.name} reports its bus connected`);
}

/** Posts written only while Redis is away, none after: the nodes' reconnect reads them from the log. */
async function redisOutageOnly(t: Test, cl: Cluster): Promise<void> {
  const { api, redis } = cl;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const clients = await Promise.all(cl.nodes.map((n) => wsClient(t, n.url)));
  for (const c of clients) await subscribed(t, c, thread.id, base);
  await writePosts(api, thread.id, 2);
  for (const c of clients) await c.reach(thread.id, base + 2, DELIVERY_MS);
  await redis!.stop();
  await writePosts(api, thread.id, 4);
  await redis!.restart();
  for (const [i, c] of clients.entries()) await assertRun(t, c, thread.id, base + 1, base + 6, `node ${cl.nodes[i].name}: the posts of the outage arrive once Redis is back`);
}

/** Publishes dropped where nothing comes after them: only the sweep can deliver. */
async function sweepRepair(t: Test, cl: Cluster, which: 'every second' | 'all'): Promise<void> {
  const { api } = cl;
  const stats = api.app.publisher.stats;
  const thread = await api.thread(cl.forumSlug);
  const base: number = thread.lastSeq;
  const clients = await Promise.all(cl.nodes.map((n) => wsClient(t, n.url)));
  for (const c of clients) await subscribed(t, c, thread.id, base);
  cl.drop.rule = (e) => e.threadId === thread.id && (which === 'all' || (e.seq - base) % 2 === 0);
  t.teardown(() => void (cl.drop.rule = () => false));
  const before = { published: stats.published, dropped: stats.dropped };
  const n = 10; // with every second dropped, the last one is dropped too
  await writePosts(api, thread.id, n);
  t.equal(stats.dropped - before.dropped, which === 'all' ? n : n / 2, `${which === 'all' ? 'every' : 'every second'} publish dropped`);
  if (which === 'all') t.equal(stats.published, before.published, 'nothing of this thread was published');
  for (const [i, c] of clients.entries()) await assertRun(t, c, thread.id, base + 1, base + n, `node ${cl.nodes[i].name}: every event arrives, in order`);
}

// ---- the groups

for (const mode of ['redis', 'embedded'] as const) {
  t.test(`${mode === 'redis' ? 'Redis pub/sub' : 'embedded (LISTEN/NOTIFY)'}: two realtime processes, fast path and its repair`, async (t) => {
    const cl = await startCluster(t, { redis: mode === 'redis', sweepMs: SWEEP_OFF_MS });
    await t.test('a post written through the API reaches clients on node A and node B, in order, once', (t) => fanOut(t, cl));
    await t.test('a client resumes on the other node with exactly the missed events', (t) => resumeElsewhere(t, cl));
    await t.test('a client resumes on a node that had not heard of the events it saw', (t) => resumeAhead(t, cl));
    await t.test('dropped publishes followed by a delivered one: the gaps are read from the log', (t) => gapRepair(t, cl));
    if (mode === 'redis') {
      await t.test('Redis restarts mid-stream: every event arrives on both nodes, once, in order', (t) => redisRestart(t, cl));
      await t.test('Redis comes back after posts written only during its outage: the reconnect delivers them', (t) => redisOutageOnly(t, cl));
    }
    // last: it stops node A
    await t.test('node A shuts down mid-stream: its client resumes on node B and misses nothing', (t) => failover(t, cl));
  });
}

t.test(`Redis pub/sub, sweep every ${SWEEP_FAST_MS} ms: publishes that never come are repaired`, async (t) => {
  const cl = await startCluster(t, { redis: true, sweepMs: SWEEP_FAST_MS });
  await t.test('every second publish dropped, the last one too', (t) => sweepRepair(t, cl, 'every second'));
  await t.test('every publish dropped', (t) => sweepRepair(t, cl, 'all'));
});
