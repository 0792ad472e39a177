// A shard's pgbouncer goes away (SIGKILL) and comes back: requests for that shard answer 503
// database_unavailable with Retry-After, the other shard keeps serving, and the shard recovers by
// itself once pgbouncer is back. Real pgbouncer (transaction pooling) in front of shard 1.
import t from 'tap';
import { loadConfig, migrateTopology, openDatabase, topologyOf } from '@parley/data';
import { ADMIN_TOKEN, testApi } from './harness/app.ts';
import { databases, topologyFile } from './harness/topology.ts';
import { testPgbouncer } from './harness/pgbouncer.ts';
import { until } from './harness/until.ts';

t.test("a shard's pgbouncer killed and restarted: 503 on that shard only, then recovery", async (t) => {
  const [acc, c0, c1] = await databases(t, 3, { empty: true });
  const bouncer = await testPgbouncer(t, c1.url);
  const file = await topologyFile(t, {
    accounts: { primary: acc.url },
    content: { '0': { primary: c0.url }, '1': { primary: c1.url, pgbouncer: bouncer.url(c1.url) } },
  });
  const config = loadConfig({}, { topology: file, dbConnectTimeoutMs: 1000 });
  await migrateTopology(topologyOf(config));
  const db = openDatabase(config, { poolSize: 4 });
  t.teardown(() => db.close());
  const api = await testApi(t, { dbConnectTimeoutMs: 1000 }, db);
  for (const [slug, shard] of [['zero', 0], ['one', 1]] as const) {
    t.equal((await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug, name: slug, shard } })).status, 201, `forum ${slug} on shard ${shard}`);
  }
  const [t0, t1] = [await api.thread('zero'), await api.thread('one')];
  const write = (threadId: string) => api.req('POST', `/v1/threads/${threadId}/posts`, { body: { message: 'hi', author: { name: 'A', email: 'a@example.com' } } });
  t.equal((await write(t1.id)).status, 201, 'shard 1 through pgbouncer writes');

  await bouncer.kill();
  const down = await until('shard 1 to answer 503', 10_000, async () => {
    const r = await write(t1.id);
    return r.status === 503 ? r : undefined;
  });
  t.equal(down.body.error.code, 'database_unavailable', 'a stable code');
  t.equal(down.headers['retry-after'], '2', 'and when to come back');
  const read1 = await api.req('GET', `/v1/threads/${t1.id}/posts`);
  t.equal(read1.status, 503, 'reads of shard 1 too');
  t.equal((await write(t0.id)).status, 201, 'shard 0 keeps taking writes');
  t.equal((await api.req('GET', `/v1/threads/${t0.id}/posts`)).status, 200, 'and reads');
  const health = await api.req('GET', '/healthz');
  t.match([health.status, health.body.error?.details], [503, { databases: { 'content.0': 'ok', 'content.1': 'unavailable', accounts: 'ok' } }], '/healthz names the shard that is away');

  await bouncer.start();
  await until('shard 1 to recover', 15_000, async () => ((await write(t1.id)).status === 201 ? true : undefined));
  t.equal((await api.req('GET', `/v1/threads/${t1.id}/posts`)).status, 200, 'shard 1 serves again, by itself');
  t.equal((await api.req('GET', '/healthz')).status, 200, '/healthz is 200 again');
});
