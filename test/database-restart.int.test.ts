// Issue 10, defect 1: a Postgres restart must not take the API or the worker down. Sixteen
// writers post through the API while the postmaster is SIGKILLed; while it is away every answer
// is a 201 or a 503 database_unavailable (never a 500, never a dead process), and once it is back
// the API and the worker recover by themselves: writes succeed again, every acknowledged comment
// is there, and the worker's counters catch up with the truth.
import t from 'tap';
import { openDatabase, loadConfig } from '@parley/data';
import { startWorker } from '@parley/worker';
import { ownPostgres } from './harness/postgres.ts';
import { testApi, ADMIN_TOKEN } from './harness/app.ts';
import { until } from './harness/until.ts';

const WRITERS = 16;

t.test('API and worker survive a SIGKILL of the postmaster under 16 writers, and recover', async (t) => {
  const own = await ownPostgres(t);
  const db = openDatabase(loadConfig({}, { databaseUrl: own.url, dbConnectTimeoutMs: 2000 }), { poolSize: 10 });
  t.teardown(() => db.close());
  const api = await testApi(t, {}, db);
  const logs: string[] = [];
  const worker = await startWorker({ config: loadConfig({}, { adminToken: ADMIN_TOKEN, logLevel: 'silent' }), connectionString: own.url, db, log: (l) => logs.push(l) });
  t.teardown(() => worker.close());

  const t0 = Date.now();
  const at = (what: string) => t.comment(`${what} at ${Date.now() - t0} ms`);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug, 'restart');
  const acked = new Set<string>();
  const statuses = new Map<string, number>();
  let stop = false;
  let n = 0;
  const writer = async () => {
    while (!stop) {
      const r = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: `comment ${++n}`, author: { name: 'W', email: 'w@example.com' } } });
      const key = `${r.status} ${r.body?.error?.code ?? ''}`.trim();
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (r.status === 201) acked.add(r.body.post.id);
      if (r.status !== 201) await new Promise((ok) => setTimeout(ok, 20));
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  await until('some comments before the kill', 20_000, async () => (acked.size >= 50 ? true : undefined));

  at('kill');
  await own.pg.kill('SIGKILL');
  const outage = await until('a 503 while Postgres is away', 10_000, async () => {
    const r = await api.req('GET', '/healthz');
    return r.status === 503 ? r : undefined;
  });
  t.equal(outage.body.error.code, 'database_unavailable', 'healthz says why');
  t.same(outage.body.error.details, { databases: { accounts: 'unavailable', forums: 'unavailable', 'content.0': 'unavailable' } }, 'and which databases');
  t.equal(outage.headers['retry-after'], '2', 'and when to come back');
  const during = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'while away', author: { name: 'W', email: 'w@example.com' } } });
  t.equal(during.status, 503, 'a write while the database is away answers 503');
  t.equal(during.body.error.code, 'database_unavailable');
  t.notMatch(JSON.stringify(during.body), /postmaster|ECONN|terminat/i, 'nothing of the driver error reaches the client');

  await until('the worker reports unhealthy while Postgres is away', 10_000, async () => (worker.healthy() ? undefined : true));
  at('restart');
  await own.pg.restart();
  at('restarted');
  await until('healthz 200 after the restart', 20_000, async () => ((await api.req('GET', '/healthz')).status === 200 ? true : undefined));
  at('healthy');
  const before = acked.size;
  await until('writes succeed again', 20_000, async () => (acked.size >= before + 50 ? true : undefined));
  at('writing again');
  stop = true;
  await Promise.all(writers);

  const codes = [...statuses.keys()];
  t.same(codes.filter((c) => c !== '201' && c !== '503 database_unavailable'), [], `only 201 and 503 database_unavailable were answered (${JSON.stringify(Object.fromEntries(statuses))})`);
  t.ok(statuses.get('503 database_unavailable'), 'some writes met the outage');

  const { rows } = await db.exec<{ id: string }>({ area: 'content', mode: 'read' }, 'SELECT id::text FROM posts WHERE thread_id = $1', [thread.id]);
  const stored = new Set(rows.map((r) => r.id));
  t.same([...acked].filter((id) => !stored.has(id)), [], `every acknowledged comment is stored (${acked.size})`);

  // The worker's relay and pg-boss loops came back by themselves: the thread's count reaches the truth.
  const count = await until('the worker counts every stored comment', 60_000, async () => {
    const r = await api.req('GET', `/v1/threads/${thread.id}`);
    return r.body.thread.postCount === stored.size ? r.body.thread.postCount : undefined;
  });
  at('counted');
  t.equal(count, stored.size, 'thread postCount equals the stored comments after recovery');
  t.ok(worker.healthy(), 'the worker reports healthy again');
});
