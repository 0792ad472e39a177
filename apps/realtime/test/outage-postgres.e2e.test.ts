// A standalone realtime node (a real `node apps/realtime/src/main.ts` process) through Postgres
// outages. The Postgres is the test's own (test/harness/postgres.ts), killed with SIGKILL or shut
// down with SIGINT and restarted on the same port and data directory. The node must outlive it:
// keep its websockets, refuse what needs the database with `unavailable` and answer 503 on
// /healthz while it is away, and once it is back reconnect its LISTEN session on its own and
// deliver every event in order, including those whose NOTIFY went nowhere (read from the log).
// Also a node that starts while Postgres is away. (outage-replay and outage-redis: the rest.)
import t from 'tap';
import { wsClient } from '../../../test/harness/realtime.ts';
import { until } from '../../../test/harness/until.ts';
import { DELIVERY_MS, holds, pong, range, SWEEP_MS, stack, writePosts } from './outage.ts';

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
