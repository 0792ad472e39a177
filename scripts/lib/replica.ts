// A real physical streaming replica of an embedded Postgres, made from Node. The npm package ships
// no pg_basebackup, so we do what it does with the server's low-level backup API:
//   1. a physical replication slot on the primary, so the WAL the copy needs is kept until the
//      replica has streamed it (and later, while the replica is down);
//   2. pg_backup_start on a connection we hold open (a non-exclusive backup ends with its session,
//      so a crash here aborts it instead of leaving the primary in backup mode);
//   3. a file copy of the data directory, minus what pg_basebackup leaves out (below);
//   4. pg_backup_stop on the same connection: its backup_label tells the copy where recovery must
//      start, so the copy's torn, mid-checkpoint state is made consistent by replaying WAL;
//   5. standby.signal plus primary_conninfo / primary_slot_name, then the copy is started as a
//      hot standby by the same wrapper as every other server (startEmbeddedPostgres), which
//      returns once it has reached consistency and accepts read-only connections.
// Replication connects as the primary's superuser over 127.0.0.1, so the copy shares its password.
import { appendFile, chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { copyCluster, own, type Ids } from './cluster-copy.ts';
import { freePort, postgresIds, startEmbeddedPostgres, type EmbeddedPg, type EmbeddedPgOptions } from './embedded-postgres.ts';

export interface ReplicaOptions extends Pick<EmbeddedPgOptions, 'flags' | 'log' | 'supervise'> {
  /** the replica's cluster directory: made from the primary when it holds no cluster yet, else started as is */
  dir: string;
  /** a free one when omitted */
  port?: number;
  /** the replication slot (and application_name); `replica_<port>` when omitted */
  name?: string;
}

export interface Replica extends EmbeddedPg {
  /** the slot on the primary that keeps WAL for this replica, and its application_name in pg_stat_replication */
  name: string;
}

/** Settings a hot standby must have at least as high as its primary, or it refuses to start; the copy takes the primary's. */
const AT_LEAST_PRIMARY = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];

/**
 * Makes (when `opts.dir` holds no cluster) and starts a streaming replica of `primary`, whose
 * url('postgres') must name a superuser: it runs the backup API, and the replica streams as it.
 * The replica's own url(db) names the `postgres` user with that URL's password, as EmbeddedPg's does.
 */
export async function startReplica(primary: Pick<EmbeddedPg, 'url'>, opts: ReplicaOptions): Promise<Replica> {
  const dir = resolve(opts.dir);
  const port = opts.port ?? (await freePort());
  let name = opts.name ?? `replica_${port}`;
  const primaryUrl = new URL(primary.url('postgres'));
  const log = opts.log ?? (() => {});

  // A replica made earlier starts as is, even while its primary is down: it serves (stale) reads
  // meanwhile, and catches up from its slot when the primary is back.
  if (await exists(join(dir, 'PG_VERSION'))) {
    if (!(await exists(join(dir, 'standby.signal')))) {
      throw new Error(`${dir} holds a cluster that is not a standby (an interrupted copy, or a promoted replica); remove it to make a new replica`);
    }
    await checkSameCluster(dir, primaryUrl);
    name = (await slotOf(dir)) ?? name; // the slot holding its WAL is the one it was made with
    await writeStandbyConf(dir, primaryUrl, name, [], await postgresIds()); // the primary may listen on another port now
  } else {
    const t0 = Date.now();
    const existed = await exists(dir);
    await baseBackup(primaryUrl, dir, name, log).catch(async (err: Error) => {
      // a half copy would be refused by the next start; remove it unless the directory was the caller's
      if (!existed) await rm(dir, { recursive: true, force: true });
      throw err;
    });
    log(`replica ${name}: made in ${Date.now() - t0} ms`);
  }
  const server = await startEmbeddedPostgres({ dir, port, password: decodeURIComponent(primaryUrl.password), flags: opts.flags, log: opts.log, supervise: opts.supervise });
  return Object.assign(server, { name });
}

/**
 * A replica of another cluster (the primary's directory was re-initialised since) would start and
 * serve its old data while its walreceiver is refused forever; say so instead. The system
 * identifier is the first field of pg_control. A primary that is down cannot be asked: go on.
 */
async function checkSameCluster(dir: string, primaryUrl: URL): Promise<void> {
  const mine = (await readFile(join(dir, 'global', 'pg_control'))).readBigUInt64LE(0).toString();
  const theirs = await one<string>(primaryUrl.href, 'SELECT system_identifier::text AS v FROM pg_control_system()').catch(() => undefined);
  if (theirs !== undefined && theirs !== mine) {
    throw new Error(`${dir} is a replica of another cluster (system identifier ${mine}, the primary's is ${theirs}); remove it to make a new replica`);
  }
}

async function slotOf(dir: string): Promise<string | undefined> {
  const conf = await readFile(join(dir, 'postgresql.auto.conf'), 'utf8');
  return [...conf.matchAll(/^primary_slot_name = '([^']*)'$/gm)].at(-1)?.[1];
}

/**
 * The standby's settings go in its postgresql.auto.conf rather than in -c flags: they survive
 * restarts (which then need no primary to ask) and keep the password out of ps. Earlier lines for
 * the same settings are dropped, so a restart on a new primary port does not pile them up.
 */
async function writeStandbyConf(dir: string, primaryUrl: URL, name: string, settings: { name: string; setting: string }[], ids: Ids): Promise<void> {
  const user = decodeURIComponent(primaryUrl.username);
  const password = decodeURIComponent(primaryUrl.password);
  const conninfo = `host=127.0.0.1 port=${primaryUrl.port} user=${conninfoValue(user)} password=${conninfoValue(password)} application_name=${name}`;
  const values = new Map([['primary_conninfo', conninfo], ['primary_slot_name', name], ...settings.map((s) => [s.name, s.setting] as [string, string])]);
  const file = join(dir, 'postgresql.auto.conf');
  const kept = (await readFile(file, 'utf8')).split('\n').filter((line) => !values.has(line.split('=')[0].trim()) && !line.startsWith(MARK));
  const ours = [`${MARK} of 127.0.0.1:${primaryUrl.port}`, ...[...values].map(([k, v]) => `${k} = ${confString(v)}`)];
  await writeFile(file, `${[...kept.filter(Boolean), ...ours].join('\n')}\n`);
  await own(file, ids);
}

const MARK = '# streaming replica (scripts/lib/replica.ts)';

async function baseBackup(primaryUrl: URL, dir: string, name: string, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: primaryUrl.href });
  client.on('error', () => {});
  await client.connect();
  let slotMade = false;
  let backupOpen = false;
  try {
    await allowReplication(client, log);
    // A slot left by an earlier replica of this name (its directory since removed) would pin WAL
    // from long ago; an active one means another replica streams under this name.
    const { rows: old } = await client.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name]);
    if (old[0]?.active) throw new Error(`replication slot ${name} is in use by another replica`);
    if (old[0]) await client.query('SELECT pg_drop_replication_slot($1)', [name]);
    // immediately_reserve: the slot holds WAL from now, before the backup's checkpoint.
    await client.query('SELECT pg_create_physical_replication_slot($1, true)', [name]);
    slotMade = true;
    const { rows: settings } = await client.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [AT_LEAST_PRIMARY]);
    const source = (await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")).rows[0].dir;

    // fast: checkpoint now rather than spread over checkpoint_timeout
    await client.query('SELECT pg_backup_start($1, true)', [`parley replica ${name}`]);
    backupOpen = true;
    const ids = await postgresIds();
    await copyCluster(source, dir, ids);
    // wait_for_archive false: no WAL archiving here; the slot keeps what the replica needs.
    const { rows: [end] } = await client.query<{ labelfile: string; spcmapfile: string | null }>('SELECT labelfile, spcmapfile FROM pg_backup_stop(false)');
    backupOpen = false;
    // copyDir refuses symbolic links already; this is the server's word for the same thing
    if (end.spcmapfile) throw new Error('the primary has tablespaces: a copy would share their directories with it, so replicas of it are not supported');

    await writeFile(join(dir, 'backup_label'), end.labelfile);
    await writeFile(join(dir, 'standby.signal'), '');
    for (const f of ['backup_label', 'standby.signal']) await own(join(dir, f), ids);
    await writeStandbyConf(dir, primaryUrl, name, settings, ids);
    await chmod(dir, 0o700); // Postgres refuses a data directory others can read
    log(`replica ${name}: ${end.labelfile.split('\n')[0]}`);
  } catch (err) {
    if (backupOpen) await client.query('SELECT pg_backup_stop(false)').catch(() => {});
    // a slot nobody will use would keep the primary's WAL forever
    if (slotMade) await client.query('SELECT pg_drop_replication_slot($1)', [name]).catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/** initdb's pg_hba allows replication from 127.0.0.1; a primary whose file was edited may not. */
async function allowReplication(client: pg.Client, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_hba_file_rules
      WHERE type = 'host' AND 'replication' = ANY(database) AND error IS NULL
        AND CASE WHEN address = 'all' THEN true
                 WHEN address ~ '^[0-9.]+$' AND netmask ~ '^[0-9.]+$' THEN ('127.0.0.1'::inet & netmask::inet) = (address::inet & netmask::inet)
                 ELSE false END`,
  );
  if (rows.length) return;
  const { rows: [hba] } = await client.query<{ hba_file: string; method: string }>(`SELECT current_setting('hba_file') AS hba_file, coalesce((SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND error IS NULL LIMIT 1), 'scram-sha-256') AS method`);
  log(`allowing replication connections from 127.0.0.1 in ${hba.hba_file}`);
  await appendFile(hba.hba_file, `\nhost replication all 127.0.0.1/32 ${hba.method}\n`);
  await client.query('SELECT pg_reload_conf()');
}

/** A libpq conninfo value: single-quoted, with \ and ' escaped. */
const conninfoValue = (v: string) => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
/** A postgresql.conf string: single-quoted, with ' and \ doubled (as ALTER SYSTEM writes them). */
const confString = (v: string) => `'${v.replace(/['\\]/g, (c) => c + c)}'`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

export interface ReplicationSlot {
  name: string;
  active: boolean;
  /** WAL the slot keeps on the primary, in bytes */
  retainedBytes: number;
}

/** The primary's physical replication slots: an inactive one keeps WAL until its replica returns or the slot is dropped. */
export async function replicationSlots(primaryUrl: string): Promise<ReplicationSlot[]> {
  const rows = await one<{ name: string; active: boolean; retained: string | null }[] | null>(
    primaryUrl,
    `SELECT json_agg(json_build_object('name', slot_name, 'active', active, 'retained', pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) ORDER BY slot_name) AS v
     FROM pg_replication_slots WHERE slot_type = 'physical'`,
  );
  return (rows ?? []).map((r) => ({ name: r.name, active: r.active, retainedBytes: Number(r.retained ?? 0) }));
}

/**
 * Takes a replica out for good: stops it and drops its slot on the primary, which would otherwise
 * keep WAL for it forever. A primary that is already gone has no slot to drop.
 */
export async function retireReplica(primaryUrl: string, replica: Pick<Replica, 'name' | 'stop'>): Promise<void> {
  await replica.stop();
  const client = new pg.Client({ connectionString: primaryUrl });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch {
    return;
  }
  try {
    // the walsender may take a moment to notice its replica has gone
    for (let i = 0; i < 50; i++) {
      const { rows } = await client.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [replica.name]);
      if (rows.length === 0) return;
      if (!rows[0].active) {
        await client.query('SELECT pg_drop_replication_slot($1)', [replica.name]);
        return;
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
    throw new Error(`replication slot ${replica.name} is still active after its replica stopped`);
  } finally {
    await client.end();
  }
}

/** Where a replica has replayed to (pg_last_wal_replay_lsn), and how far behind the primary's current LSN it is. */
export async function replicaLag(primaryUrl: string, replicaUrl: string): Promise<{ primaryLsn: string; replayLsn: string; bytes: number }> {
  const primaryLsn = await one<string>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS v');
  const { replayLsn, bytes } = await one<{ replayLsn: string; bytes: string }>(
    replicaUrl,
    "SELECT json_build_object('replayLsn', pg_last_wal_replay_lsn()::text, 'bytes', greatest(0, pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()))) AS v",
    [primaryLsn],
  );
  return { primaryLsn, replayLsn, bytes: Number(bytes) };
}

/**
 * Read-your-writes: polls the replica until it has replayed `lsn` (a write's LSN on the primary).
 * True once it has, false when `deadlineMs` passes first (the caller reads from the primary then).
 * PostgreSQL 18 has no WAIT FOR LSN, so this polls.
 */
export async function waitForReplay(replicaUrl: string, lsn: string, deadlineMs: number, everyMs = 20): Promise<boolean> {
  const client = new pg.Client({ connectionString: replicaUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const { rows } = await client.query<{ reached: boolean }>('SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS reached', [lsn]);
      if (rows[0].reached) return true;
      if (Date.now() >= end) return false;
      await new Promise((ok) => setTimeout(ok, everyMs));
    }
  } finally {
    await client.end();
  }
}

async function one<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<{ v: T }>(sql, params)).rows[0].v;
  } finally {
    await client.end();
  }
}
