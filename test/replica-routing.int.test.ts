// Reads through the router against a real streaming replica (scripts/lib/replica.ts): a page is
// read from the replica, read-your-writes sends a read that brings a write's Parley-Lsn to a node
// that has it, a replica past the lag bound leaves the rotation and comes back, and killing the
// replica under read load fails no request.
import pg from 'pg';
import t from 'tap';
import { loadConfig, openDatabase } from '@parley/data';
import { testApi } from './harness/app.ts';
import { countQueries } from './harness/query-count.ts';
import { ownPrimaryWithReplica } from './harness/replica.ts';
import { topologyFile } from './harness/topology.ts';
import { until } from './harness/until.ts';

const REPLICA = 'content.0.replica1';

async function onReplica<T>(url: string, sql: string): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows[0] as T;
  } finally {
    await c.end();
  }
}

t.test('reads from the replica, read-your-writes, the lag bound, and a replica killed under load', async (t) => {
  const { primary, replica, replicaUrl } = await ownPrimaryWithReplica(t);
  const file = await topologyFile(t, { accounts: { primary: primary.url }, content: { '0': { primary: primary.url, replicas: [replicaUrl] } } });
  const maxLagMs = 1500;
  const db = openDatabase(loadConfig({}, { topology: file, replicaMaxLagMs: maxLagMs }), { poolSize: 8 });
  t.teardown(() => db.close());
  const api = await testApi(t, {}, db);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  await api.post(thread.id, { message: 'first' });
  const page = () => api.req('GET', `/v1/threads/${thread.id}/posts`);
  await page(); // the first read asks about the replica; the router checks it from then on
  await until('the replica to join the rotation', 10_000, async () => (db.replicaStatus()[0]?.state === 'ok' ? true : undefined));

  await t.test('a thread page is rendered on the replica: its position, then the page (the cache keeps both)', async (t) => {
    await page(); // warms the thread → forum directory
    const { counts, statements } = await countQueries(db, page);
    t.same(counts, { [REPLICA]: 2 }, 'two statements, on content.0.replica1');
    t.match(statements, [/pg_last_wal_replay_lsn/, /SELECT p\.id/], "the replica's replay position first, then the page, on one connection");
  });

  await t.test('read-your-writes: a read that brings the write position sees the write', async (t) => {
    await onReplica(replicaUrl, 'SELECT pg_wal_replay_pause()');
    const write = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'mine', author: { name: 'Me', email: 'me@example.com' } } });
    t.equal(write.status, 201);
    const position = write.headers['parley-lsn'] as string;
    t.match(position, /^content\.0:[0-9A-F]+\/[0-9A-F]+$/, 'the write answers with its commit position');
    const ids = (r: { body: { posts: { id: string }[] } }) => r.body.posts.map((p) => p.id);
    const mine = (write.body as { post: { id: string } }).post.id;
    await api.app.publisher.flushed(); // its realtime publish (a NOTIFY on the primary) is not part of what is counted

    const stale = await countQueries(db, page);
    t.same(stale.counts, { [REPLICA]: 2 }, 'a read without the position is served by the replica');
    t.notOk(ids(await page()).includes(mine), 'which has not replayed the write (replay is paused)');

    const withPosition = () => api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'parley-lsn': position } });
    const fresh = await countQueries(db, withPosition);
    t.same(fresh.counts, { 'content.0': 2 }, 'with the position: the primary serves');
    t.ok(ids(await withPosition()).includes(mine), 'and the write is there');

    await onReplica(replicaUrl, 'SELECT pg_wal_replay_resume()');
    await until('the replica to replay the write', 10_000, async () => {
      const { counts } = await countQueries(db, withPosition);
      return counts[REPLICA] === 2 ? true : undefined;
    });
    t.ok(ids(await withPosition()).includes(mine), 'once replayed, the replica serves that read, with the write');
  });

  await t.test('a replica past the lag bound leaves the rotation and comes back', async (t) => {
    await onReplica(replicaUrl, 'SELECT pg_wal_replay_pause()');
    await api.post(thread.id, { message: 'the primary moves on' });
    const lagging = await until('the replica to count as lagging', 10_000, async () => (db.replicaStatus()[0].state === 'lagging' ? db.replicaStatus()[0] : undefined));
    t.ok(lagging.lagMs > maxLagMs, `lagging ${lagging.lagMs} ms > ${maxLagMs}`);
    t.same((await countQueries(db, page)).counts, { 'content.0': 2 }, 'meanwhile reads go to the primary');
    const health = await api.req('GET', '/healthz');
    t.equal(health.status, 200, 'a lagging replica does not fail /healthz');
    t.match(health.body, { replicas: [{ alias: REPLICA, state: 'lagging' }] }, 'it reports it');
    await onReplica(replicaUrl, 'SELECT pg_wal_replay_resume()');
    await until('the replica to rejoin', 10_000, async () => (db.replicaStatus()[0].state === 'ok' ? true : undefined));
    t.same((await countQueries(db, page)).counts, { [REPLICA]: 2 }, 'caught up: it serves again');
  });

  await t.test('killing the replica under read load fails no request', async (t) => {
    let stop = false;
    const statuses: number[] = [];
    const reader = async () => {
      while (!stop) statuses.push((await page()).status);
    };
    const readers = Array.from({ length: 4 }, reader);
    await until('reads under way', 5000, async () => (statuses.length > 20 ? true : undefined));
    await replica.kill('SIGKILL');
    await until('the replica to be reported down', 10_000, async () => (db.replicaStatus()[0].state === 'down' ? true : undefined));
    const after = statuses.length;
    await until('more reads after the kill', 5000, async () => (statuses.length > after + 20 ? true : undefined));
    stop = true;
    await Promise.all(readers);
    t.same([...new Set(statuses)], [200], `${statuses.length} reads, every one answered 200`);
    t.same((await countQueries(db, page)).counts, { 'content.0': 2 }, 'the primary serves');
  });
});
