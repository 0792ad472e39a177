// Two content shards for real: three databases (accounts, content shard 0, content shard 1)
// migrated by migrateTopology, the API on the topology. A forum pinned to shard 1 gets shard-1 ids
// for its threads and posts, every route finds them by id alone, each page and write touches only
// its shard (query counts per alias); and the worker, one pg-boss per database that holds events,
// relays and consumes every database, so no event is stranded and posts on both shards are counted.
import pg from 'pg';
import t from 'tap';
import { loadConfig, migrateTopology, openDatabase, shardOfId, topologyOf } from '@parley/data';
import { ADMIN_TOKEN, testApi } from './harness/app.ts';
import { databases, topologyFile } from './harness/topology.ts';
import { countQueries } from './harness/query-count.ts';
import { until } from './harness/until.ts';
import { startWorker } from '@parley/worker';

t.test('a forum on shard 1: ids, routing by id, per-shard query counts, and a worker that strands nothing', async (t) => {
  const [acc, c0, c1] = await databases(t, 3, { empty: true });
  const file = await topologyFile(t, { accounts: { primary: acc.url }, content: { '0': { primary: c0.url }, '1': { primary: c1.url } } });
  const config = loadConfig({}, { topology: file });
  const lines: string[] = [];
  await migrateTopology(topologyOf(config), (l) => lines.push(l));
  t.ok(lines.some((l) => /content shard 1: ids of threads, posts, events start at 1 × 2\^48/.test(l)), 'shard 1 got its id range');
  t.same((await migrateTopology(topologyOf(config))).size, 3, 'a second run: three databases, nothing to do');

  const db = openDatabase(config, { poolSize: 4 });
  t.teardown(() => db.close());
  const api = await testApi(t, {}, db);

  const pinned = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'on-one', name: 'Shard one', shard: 1 } });
  t.equal(pinned.status, 201);
  const { rows: [stored] } = await db.exec({ area: 'forums', mode: 'write' }, `SELECT shard FROM forums WHERE slug = 'on-one'`);
  t.equal(stored.shard, 1, 'the shard map records the pin');
  const nowhere = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'on-nine', name: 'Nine', shard: 9 } });
  t.match([nowhere.status, nowhere.body], [422, { error: { code: 'shard_not_found', details: { shard: 9 } } }], 'a shard the topology lacks');
  const zero = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'on-zero', name: 'Shard zero', shard: 0 } });
  t.equal(zero.status, 201);

  const thread = await api.thread('on-one');
  t.equal(shardOfId(thread.id), 1, `the thread's id carries shard 1 (${thread.id})`);
  const { post } = await api.post(thread.id, { message: 'on shard one' });
  t.equal(shardOfId(post.id), 1, 'so does the post');
  const reply = await api.post(thread.id, { message: 'a reply', parentId: post.id });
  t.equal(reply.post.parentId, post.id);
  const other = await api.thread('on-zero');
  t.equal(shardOfId(other.id), 0, 'a shard-0 thread keeps small ids');
  await api.post(other.id, { message: 'on shard zero' });
  await api.app.publisher.flushed();

  const page = () => api.req('GET', `/v1/threads/${thread.id}/posts`);
  await page();
  const read = await countQueries(db, page);
  t.same(read.counts, { 'content.1': 2 }, "a page of shard 1: its position and the page, on shard 1 (for the page cache)");
  t.same((await page()).body.posts.map((p: { id: string }) => p.id), [post.id, reply.post.id]);
  const write = await countQueries(db, async () => {
    await api.post(thread.id, { message: 'counted' });
    await api.app.publisher.flushed();
  });
  t.same(write.counts, { 'content.1': 5 }, `a write: BEGIN, insert, event, COMMIT and the publish, all on shard 1 (${write.statements.length})`);
  const counts = await countQueries(db, () => api.req('POST', '/v1/counts', { body: { forum: 'on-one', identifiers: [thread.identifier] } }));
  t.same(counts.counts, { 'content.1': 1 }, 'the counts endpoint: its forum (cached) and one statement on its shard');
  const vote = await api.req('PUT', `/v1/posts/${post.id}/vote`, { body: { value: 1 }, headers: { 'x-parley-voter': 'voter-0123456789abcdef' } });
  t.equal(vote.status, 200, 'a vote finds the post by id');
  const mod = await api.req('POST', `/v1/posts/${post.id}/spam`, { token: pinned.body.moderatorKey });
  t.equal(mod.status, 200, 'moderation finds it too');

  const worker = await startWorker({ config: api.config, db, log: () => {} });
  t.teardown(() => worker.close());
  t.equal(worker.runtimes.length, 3, 'one runtime per database that holds events (accounts, shard 0, shard 1)');
  const counted = await until('the worker to count both shards', 30_000, async () => {
    const [one, zero] = await Promise.all([api.req('GET', `/v1/threads/${thread.id}`), api.req('GET', `/v1/threads/${other.id}`)]);
    return one.body.thread.postCount === 2 && zero.body.thread.postCount === 1 ? [one.body.thread.postCount, zero.body.thread.postCount] : undefined;
  });
  t.same(counted, [2, 1], "shard 1's published posts (of three, one marked spam) and shard 0's");
  const stranded = await until('every database relayed and its jobs done', 30_000, async () => {
    for (const r of worker.runtimes) if (await r.hasUnrelayedEvents()) return undefined;
    for (const d of [acc, c0, c1]) {
      const c = new pg.Client({ connectionString: d.url });
      await c.connect();
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE state NOT IN ('completed')`);
      await c.end();
      if (rows[0].n > 0) return undefined;
    }
    return 'none';
  });
  t.equal(stranded, 'none', 'no event is stranded: each database (forum events in accounts included) relayed, every job consumed');
  const c = new pg.Client({ connectionString: acc.url });
  await c.connect();
  const { rows: cursors } = await c.query(`SELECT name, event_id::text AS last FROM relay_cursor`);
  const { rows: [events] } = await c.query(`SELECT count(*)::int AS n, max(id)::text AS last FROM events`);
  await c.end();
  t.equal(events.n, 2, "the accounts database holds the two forums' ForumCreated events");
  t.same(cursors, [{ name: 'signals:forums', last: events.last }], 'its relay cursor passed all of them');
});
