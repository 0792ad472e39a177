// Issue 12's foundation: a real physical streaming replica of the embedded Postgres 18, made from
// Node (scripts/lib/replica.ts), and read-your-writes by LSN. One primary and one replica serve the
// subtests in order; the restarts come last.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import pg from 'pg';
import { replicaLag, replicationSlots, retireReplica, startReplica, waitForReplay } from '../scripts/lib/replica.ts';
import { ownPrimaryWithReplica, ownReplica, REPLICA_TEST_OPTIONS } from './harness/replica.ts';
import { until } from './harness/until.ts';

/** One statement on a connection of its own: the restarts below break long-lived ones. */
async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A write on the primary, and the LSN a reader must see replayed to see it (taken after the commit). */
async function write(url: string, note: string): Promise<string> {
  await query(url, 'INSERT INTO replica_probe (note) VALUES ($1)', [note]);
  const [{ lsn }] = await query<{ lsn: string }>(url, 'SELECT pg_current_wal_lsn()::text AS lsn');
  return lsn;
}

const notes = async (url: string, note: string) => (await query<{ note: string }>(url, 'SELECT note FROM replica_probe WHERE note = $1', [note])).map((r) => r.note);

/** true once the primary's pg_stat_replication shows the replica `streaming` (it passes through `catchup`) */
const streaming = (primaryUrl: string, name: string) =>
  until(`pg_stat_replication to show ${name} streaming`, 10_000, async () => {
    const [row] = await query<{ state: string }>(primaryUrl, 'SELECT state FROM pg_stat_replication WHERE application_name = $1', [name]);
    return row?.state === 'streaming' ? true : undefined;
  });

const { primary, replica, replicaUrl, replicaDir, madeInMs } = await ownPrimaryWithReplica(t);
t.comment(`replica made (base backup copied) and started in ${madeInMs} ms`);

t.test('the replica streams from the primary', async (t) => {
  t.same(await query(replicaUrl, 'SELECT pg_is_in_recovery() AS standby'), [{ standby: true }], 'it is a standby');
  // The table is created after the copy was taken, so finding it on the replica proves streaming.
  await query(primary.url, 'CREATE TABLE replica_probe (id bigserial PRIMARY KEY, note text NOT NULL)');
  await write(primary.url, 'streamed');
  t.same(await until('the row on the replica', 10_000, async () => {
    const found = await notes(replicaUrl, 'streamed').catch(() => []); // the table itself may not have arrived yet
    return found.length ? found : undefined;
  }), ['streamed'], 'a row written on the primary appears on the replica');
  t.ok(await streaming(primary.url, replica.name), 'the primary sees the replica streaming');
  const [slot] = await query<{ active: boolean }>(primary.url, 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [replica.name]);
  t.same(slot, { active: true }, 'through its replication slot');
});

t.test('the replica refuses writes', async (t) => {
  const err = await query(replicaUrl, "INSERT INTO replica_probe (note) VALUES ('refused')").then(
    () => undefined,
    (e: { code?: string }) => e,
  );
  t.equal(err?.code, '25006', 'read_only_sql_transaction');
});

t.test('read-your-writes by LSN, under lag made with pg_wal_replay_pause()', async (t) => {
  await query(replicaUrl, 'SELECT pg_wal_replay_pause()');
  // the pause takes effect after the record being replayed; only then is the lag certain
  await until('replay paused', 10_000, async () => ((await query<{ s: string }>(replicaUrl, 'SELECT pg_get_wal_replay_pause_state() AS s'))[0].s === 'paused' ? true : undefined));

  const lsn = await write(primary.url, 'lagged');
  t.equal(await waitForReplay(replicaUrl, lsn, 500), false, 'waitForReplay reports the replica behind the write');
  const lag = await replicaLag(primary.url, replicaUrl);
  t.ok(lag.bytes > 0, `replicaLag counts the bytes behind (${lag.bytes} bytes, replayed ${lag.replayLsn}, primary at ${lag.primaryLsn})`);
  t.same(await notes(replicaUrl, 'lagged'), [], 'the row is absent on the lagging replica');
  t.same(await notes(primary.url, 'lagged'), ['lagged'], 'while the primary has it');

  await query(replicaUrl, 'SELECT pg_wal_replay_resume()');
  t.equal(await waitForReplay(replicaUrl, lsn, 10_000), true, 'after resume the replica reaches the write');
  // no polling here: reaching the LSN is the promise that the row is readable
  t.same(await notes(replicaUrl, 'lagged'), ['lagged'], 'and the row is present as soon as it has');
  // the primary writes WAL of its own now and then (running-xacts records), so wait for a quiet moment
  t.equal(await until('no lag', 10_000, async () => ((await replicaLag(primary.url, replicaUrl)).bytes === 0 ? 0 : undefined)), 0, 'no lag left once idle');
});

t.test('a replica made while the primary takes writes has every committed row', async (t) => {
  // Pages change under the copy; the backup forces full-page writes, and replay from backup_label repairs them.
  let stop = false;
  let written = 0;
  const writer = async () => {
    const client = new pg.Client({ connectionString: primary.url });
    await client.connect();
    try {
      while (!stop) {
        await client.query("INSERT INTO replica_probe (note) SELECT 'during copy ' || g FROM generate_series(1, 10) g");
        written += 10;
      }
    } finally {
      await client.end();
    }
  };
  const writers = Array.from({ length: 2 }, writer);
  await until('writes under way', 10_000, async () => (written > 0 ? true : undefined));
  const before = written;
  const second = await ownReplica(t, primary);
  stop = true;
  await Promise.all(writers);
  t.ok(written > before, `the primary took writes while the copy ran (${written - before} rows in ${second.madeInMs} ms)`);
  const [{ lsn }] = await query<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn');
  t.equal(await waitForReplay(second.replicaUrl, lsn, 20_000), true, 'the new replica reaches the last write');
  const digest = "SELECT count(*)::int AS n, coalesce(sum(hashtext(note)), 0)::text AS h FROM replica_probe";
  t.same(await query(second.replicaUrl, digest), await query(primary.url, digest), 'and has the same rows as the primary');
});

t.test('a replica connects as a user whose name and password need quoting, to a primary whose pg_hba allowed no replication', async (t) => {
  const user = "repl'ica";
  const password = `it's a \\ back"slash`;
  const admin = new pg.Client({ connectionString: primary.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${admin.escapeIdentifier(user)} SUPERUSER LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
  const { rows: [{ hba }] } = await admin.query<{ hba: string }>("SELECT current_setting('hba_file') AS hba");
  await writeFile(hba, (await readFile(hba, 'utf8')).replace(/^(local|host)\s+replication\s.*$/gm, ''));
  await admin.query('SELECT pg_reload_conf()');
  await admin.end();
  const asUser = (db: string) => Object.assign(new URL(primary.url), { username: encodeURIComponent(user), password: encodeURIComponent(password), pathname: `/${db}` }).href;
  const dir = await mkdtemp(join(tmpdir(), 'parley-replica-'));
  await chmod(dir, 0o755); // as root, postgres runs as its own user and must enter this directory
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // the copy needs WAL streamed from its backup's start before it accepts connections, so a start proves the conninfo
  const quoted = await startReplica({ url: asUser }, { dir: join(dir, 'pg'), ...REPLICA_TEST_OPTIONS });
  t.teardown(() => quoted.stop());
  const row = await until('pg_stat_replication to say streaming', 10_000, async () => {
    const [r] = await query<{ usename: string; state: string }>(primary.url, 'SELECT usename, state FROM pg_stat_replication WHERE application_name = $1', [quoted.name]);
    return r?.state === 'streaming' ? r : undefined;
  });
  t.equal(row.usename, user, 'it streams as that user');
  t.match(await readFile(hba, 'utf8'), /^host replication all 127\.0\.0\.1\/32 scram-sha-256$/m, 'through the pg_hba line startReplica added');
});

t.test('the replica survives a primary crash and restart, and streams again', async (t) => {
  const started = async () => (await query<{ at: string }>(replicaUrl, 'SELECT pg_postmaster_start_time()::text AS at'))[0].at;
  const replicaStarted = await started();
  await primary.pg.kill('SIGKILL');
  t.same(await notes(replicaUrl, 'lagged'), ['lagged'], 'the replica serves reads while its primary is down');
  await primary.pg.restart();
  const lsn = await write(primary.url, 'after primary restart');
  t.equal(await waitForReplay(replicaUrl, lsn, 20_000), true, 'the replica reaches a write made after the restart');
  t.same(await notes(replicaUrl, 'after primary restart'), ['after primary restart'], 'and has its row');
  t.ok(await streaming(primary.url, replica.name), 'streaming again');
  t.equal(await started(), replicaStarted, 'the same replica postmaster throughout (it was not restarted)');
});

t.test('a replica started again on its directory catches up, from its slot, on writes it missed', async (t) => {
  await replica.stop();
  let lsn = '';
  for (let i = 0; i < 3; i++) lsn = await write(primary.url, `missed ${i}`);
  await query(primary.url, 'SELECT pg_switch_wal()'); // the missed WAL is in a finished segment the slot must keep
  await query(primary.url, 'CHECKPOINT'); // which a checkpoint would recycle were it not for the slot
  const shared = process.env.PARLEY_TEST_PG_URL!; // the run's server: a cluster of its own
  await t.rejects(
    startReplica({ url: (db) => Object.assign(new URL(shared), { pathname: `/${db}` }).href }, { dir: replicaDir, ...REPLICA_TEST_OPTIONS }),
    /replica of another cluster/,
    'started against another primary, it refuses',
  );
  const lines: string[] = [];
  const again = await startReplica(primary.pg, { dir: replicaDir, port: replica.port, name: replica.name, ...REPLICA_TEST_OPTIONS, log: (l) => void lines.push(l) });
  t.teardown(() => again.stop());
  t.same(lines.filter((l) => /base backup|made in/.test(l)), [], 'started as is, not copied again');
  t.equal(await waitForReplay(replicaUrl, lsn, 20_000), true, 'it reaches the last write made while it was down');
  t.same((await query<{ n: number }>(replicaUrl, "SELECT count(*)::int AS n FROM replica_probe WHERE note LIKE 'missed %'"))[0].n, 3, 'with every row');
});

t.test('a retired replica takes its slot with it; a slot left behind shows as inactive, holding WAL', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-retired-'));
  await chmod(dir, 0o755);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const extra = await startReplica(primary.pg, { dir: join(dir, 'pg'), ...REPLICA_TEST_OPTIONS, log: () => {} });
  const slotOf = async (name: string) => (await replicationSlots(primary.pg.url('postgres'))).find((s) => s.name === name);
  t.match(await slotOf(extra.name), { active: true }, 'a new replica streams through its own slot');
  await extra.stop();
  await write(primary.url, 'after the stop');
  const [left] = await until('the slot to be inactive', 10_000, async () => {
    const slots = (await replicationSlots(primary.pg.url('postgres'))).filter((s) => s.name === extra.name && !s.active);
    return slots.length ? slots : undefined;
  });
  t.ok(left.retainedBytes > 0, `a stopped replica's slot holds the primary's WAL (${left.retainedBytes} bytes)`);
  await retireReplica(primary.pg.url('postgres'), extra);
  t.equal(await slotOf(extra.name), undefined, 'retired: its slot is gone');
});
