// A standalone realtime node (a real process) through a Redis crash: redis-server killed with
// SIGKILL and restarted on the same port. The node keeps its websockets and its health (the
// database is there), delivers through the sweep meanwhile, takes new subscriptions, and
// resubscribes by itself once Redis is back, every event once and in order.
import t from 'tap';
import { Redis } from 'ioredis';
import { wsClient } from '../../../test/harness/realtime.ts';
import { testRedis } from '../../../test/harness/redis.ts';
import { until } from '../../../test/harness/until.ts';
import { DELIVERY_MS, pong, range, stack, writePosts } from './outage.ts';

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
