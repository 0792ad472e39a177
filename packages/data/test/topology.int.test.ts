// A topology file opened for real: each alias reaches the database the file names, reads pick a
// replica and writes (and read-your-writes) the primary, an alias behind a real pgbouncer
// (transaction pooling, 1.18) sends no named statements, `pnpm migrate` migrates every primary,
// and the logger masks every password in the file. The replicas here are other databases standing
// in for them, to see which node the router picks; real streaming replicas have their own test.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import t from 'tap';
import { createLogger, loadConfig, openDatabase, type Database, type Route } from '@parley/data';
import { databases, topologyFile } from '../../../test/harness/topology.ts';
import { testPgbouncer } from '../../../test/harness/pgbouncer.ts';
import { until } from '../../../test/harness/until.ts';

const root = new URL('../../../', import.meta.url).pathname;

const on = async (db: Database, route: Route) => (await db.exec(route, 'SELECT current_database() AS d')).rows[0].d as string;

// replicas here: other databases standing in, to check the router never trusts a node that is not a standby
t.test('each alias reaches the database the file names; a node that is not a standby never serves reads', async (t) => {
  const [acc, c0, c1, c1r] = await databases(t, 4);
  const file = await topologyFile(t, {
    accounts: { primary: acc.url },
    content: { '0': { primary: c0.url }, '1': { primary: c1.url, replicas: [c1r.url] } },
  });
  const db = openDatabase(loadConfig({}, { topology: file }), { poolSize: 2 });
  t.teardown(() => db.close());
  t.equal(await on(db, { area: 'accounts', mode: 'read' }), acc.name, 'accounts');
  t.equal(await on(db, { area: 'forums', mode: 'write' }), acc.name, 'forums live with accounts');
  t.equal(await on(db, { area: 'content', shard: 0, mode: 'read' }), c0.name, 'shard 0 (no replica: its primary)');
  // c1r is an ordinary database, not a streaming replica: its replay position is null, so the
  // router never trusts it with a read (replicas that are real have their own test)
  for (let i = 0; i < 5; i++) t.equal(await on(db, { area: 'content', shard: 1, mode: 'read' }), c1.name, `read ${i + 1} of shard 1: the primary`);
  const state = await until('the stand-in to be checked', 5000, async () => {
    const s = db.replicaStatus();
    return s.length && s[0].state !== 'unknown' ? s.map((x) => [x.alias, x.state]) : undefined;
  });
  t.same(state, [['content.1.replica1', 'down']], 'the stand-in is reported down');
  t.equal(await on(db, { area: 'content', shard: 1, mode: 'read', fresh: true }), c1.name, 'a read-your-writes read goes to the primary');
  t.equal(await on(db, { area: 'content', shard: 1, mode: 'write' }), c1.name, 'a write goes to the primary');
  t.equal(await db.tx({ area: 'content', shard: 1 }, async (ex) => (await ex.query('SELECT current_database() AS d')).rows[0].d), c1.name, 'a transaction runs on the primary');
  t.same(db.shards(), [0, 1]);
  t.notOk(db.hasShard(2), 'a shard the file does not name does not exist');
});

t.test('an alias behind pgbouncer (transaction pooling) sends no named statements; a direct alias keeps them', async (t) => {
  const [c0, c1] = await databases(t, 2);
  const bouncer = await testPgbouncer(t, c1.url, { poolSize: 2 });
  const statement = { name: 'parley_topology_probe', text: 'SELECT $1::int + 1 AS n, pg_sleep(0.002)' };

  // the control: named statements through pgbouncer fail once clients outnumber its server connections
  const clients = await Promise.all(Array.from({ length: 6 }, async () => {
    const c = new pg.Client({ connectionString: bouncer.url(c1.url) });
    c.on('error', () => {});
    await c.connect();
    return c;
  }));
  t.teardown(() => Promise.all(clients.map((c) => c.end().catch(() => {}))));
  const raw = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => clients[i % clients.length].query({ ...statement, values: [i] })));
  t.ok(raw.some((r) => r.status === 'rejected'), `named statements sent straight through pgbouncer fail (${raw.filter((r) => r.status === 'rejected').length} of 60)`);

  const file = await topologyFile(t, {
    accounts: { primary: c0.url },
    content: { '0': { primary: c0.url }, '1': { primary: c1.url, pgbouncer: bouncer.url(c1.url) } },
  });
  const db = openDatabase(loadConfig({}, { topology: file }), { poolSize: 6 });
  t.teardown(() => db.close());
  const through = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => db.exec({ area: 'content', shard: 1, mode: 'write' }, statement, [i])));
  t.same(through.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message), [], 'the same statements through the pgbouncer alias all succeed');
  const inTx = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    db.tx({ area: 'content', shard: 1 }, async (ex) => (await ex.query(statement, [i])).rows[0].n as number)));
  t.same(inTx, Array.from({ length: 12 }, (_, i) => i + 1), 'and inside transactions');
  const { rows } = await db.exec({ area: 'content', shard: 0, mode: 'write' }, statement, [1]);
  t.equal(rows[0].n, 2, 'the direct alias still answers');
  const direct = new pg.Client({ connectionString: c0.url });
  await direct.connect();
  t.teardown(() => direct.end());
  const seen = await direct.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'parley:content.0'`);
  t.equal(seen.rows[0].n, 1, "the direct alias's pool connects to its primary itself");
});

t.test('pnpm migrate migrates every primary of the topology', async (t) => {
  const [acc, c0, c1] = await databases(t, 3, { empty: true });
  const file = await topologyFile(t, { accounts: { primary: acc.url }, content: { '0': { primary: c0.url }, '1': { primary: c1.url } } });
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'scripts/migrate.ts')], {
    env: { ...process.env, PARLEY_TOPOLOGY: file, DATABASE_URL: '', LOG_LEVEL: 'info' },
  });
  t.match(stdout, /database 3 of 3: \d+ migrations applied/, 'each database, counted');
  t.notMatch(stdout, /postgres:\/\/[^"]*@/, 'no connection string in the output');
  for (const d of [acc, c0, c1]) {
    const c = new pg.Client({ connectionString: d.url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM schema_migrations`);
    await c.end();
    t.ok(rows[0].n >= 4, `${d.name}: migrated`);
  }
});

t.test("the logger masks every connection string and password of the topology file", async (t) => {
  const file = await topologyFile(t, {
    accounts: { primary: 'postgres://parley:acc-pass-1@db1:5432/parley' },
    content: { '0': { primary: 'postgres://parley:c0-pass-2@db2:5432/parley', replicas: ['postgres://parley:r-pass-3@db3:5432/parley'] } },
  });
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _e, done) => void (lines.push(String(chunk)), done()) });
  const logger = createLogger(loadConfig({}, { topology: file }), 'test', sink);
  logger.info('could not reach postgres://parley:r-pass-3@db3:5432/parley');
  logger.error({ err: new Error('password authentication failed: c0-pass-2') }, 'failed');
  const out = lines.join('');
  t.notMatch(out, /pass-\d/, 'no password');
  t.match(out, /could not reach \*\*\*/, 'the whole URL masked');
});
