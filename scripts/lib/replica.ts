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
import { appendFile, chmod, copyFile, lchown, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
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

export async function startReplica(primary: Pick<EmbeddedPg, 'url'>, opts: ReplicaOptions): Promise<Replica> {
  const dir = resolve(opts.dir);
  const port = opts.port ?? (await freePort());
  const name = opts.name ?? `replica_${port}`;
  const primaryUrl = new URL(primary.url('postgres'));
  const log = opts.log ?? (() => {});

  // A replica made earlier starts as is, without its primary: it serves (stale) reads while the
  // primary is down, and catches up from its slot when it is back.
  if (await exists(join(dir, 'PG_VERSION'))) {
    if (!(await exists(join(dir, 'standby.signal')))) {
      throw new Error(`${dir} holds a cluster that is not a standby (an interrupted copy, or a promoted replica); remove it to make a new replica`);
    }
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

    const user = decodeURIComponent(primaryUrl.username);
    const password = decodeURIComponent(primaryUrl.password);
    const conninfo = `host=127.0.0.1 port=${primaryUrl.port} user=${conninfoValue(user)} password=${conninfoValue(password)} application_name=${name}`;
    await writeFile(join(dir, 'backup_label'), end.labelfile);
    await writeFile(join(dir, 'standby.signal'), '');
    // postgresql.auto.conf rather than -c flags: it survives restarts (which then need no primary
    // to ask) and keeps the password out of ps.
    const conf = [
      `# streaming replica of 127.0.0.1:${primaryUrl.port} (scripts/lib/replica.ts)`,
      `primary_conninfo = ${confString(conninfo)}`,
      `primary_slot_name = ${confString(name)}`,
      ...settings.map((s) => `${s.name} = ${confString(s.setting)}`),
    ];
    await appendFile(join(dir, 'postgresql.auto.conf'), `\n${conf.join('\n')}\n`);
    for (const f of ['backup_label', 'standby.signal', 'postgresql.auto.conf']) await own(join(dir, f), ids);
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

/**
 * Copies the cluster the way pg_basebackup does: files may change or vanish while we read (WAL
 * replay from backup_label repairs the first, and the second are dropped relations or temp files),
 * and some directories are copied empty because their contents are runtime state or come from WAL.
 */
async function copyCluster(source: string, target: string, ids: { uid?: number; gid?: number }): Promise<void> {
  await mkdir(target, { recursive: true, mode: 0o700 });
  await own(target, ids);
  await copyDir(source, target, '', ids);
  // pg_control last and read until two reads agree: a read racing the checkpointer's write could be torn.
  const control = join('global', 'pg_control');
  for (let prev = await readFile(join(source, control)); ; ) {
    const next = await readFile(join(source, control));
    if (next.equals(prev)) {
      await writeFile(join(target, control), next, { mode: 0o600 });
      await own(join(target, control), ids);
      break;
    }
    prev = next;
  }
}

/** runtime state, not data: skipped (backup_label/tablespace_map of the primary, if any, are not ours) */
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'current_logfiles', 'postgresql.auto.conf.tmp', 'current_logfiles.tmp', 'standby.signal', 'recovery.signal']);
/** copied as empty directories: pg_wal's segments stream from the slot, the rest is rebuilt at start */
const EMPTY_DIRS = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);

async function copyDir(root: string, target: string, rel: string, ids: { uid?: number; gid?: number }): Promise<void> {
  for (const entry of await readdir(join(root, rel), { withFileTypes: true }).catch(ignoreVanished([]))) {
    const path = join(rel, entry.name);
    const isTop = rel === '';
    if (isTop && SKIP_FILES.has(entry.name)) continue;
    if (entry.name.startsWith('pgsql_tmp') || entry.name === 'pg_internal.init') continue;
    if (path === 'global/pg_control') continue; // copyCluster copies it last
    const from = join(root, path);
    const to = join(target, path);
    const st = await lstat(from).catch(ignoreVanished(undefined));
    if (!st) continue;
    if (st.isSymbolicLink()) throw new Error(`${from} is a symbolic link (a tablespace or a moved pg_wal): replicas of this cluster are not supported`);
    if (st.isDirectory()) {
      await mkdir(to, { mode: st.mode & 0o7777 });
      await own(to, ids);
      // pg_wal keeps its subdirectories (archive_status, summaries), empty
      if (isTop && EMPTY_DIRS.has(entry.name)) {
        if (entry.name === 'pg_wal') await copySubdirsEmpty(from, to, ids);
        continue;
      }
      await copyDir(root, target, path, ids);
    } else if (st.isFile()) {
      const copied = await copyFile(from, to).then(() => true, ignoreVanished(false));
      if (copied) await own(to, ids);
    }
  }
}

async function copySubdirsEmpty(from: string, to: string, ids: { uid?: number; gid?: number }): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    await mkdir(join(to, entry.name), { mode: 0o700 });
    await own(join(to, entry.name), ids);
  }
}

const ignoreVanished = <T>(value: T) => (err: NodeJS.ErrnoException): T => {
  if (err.code === 'ENOENT') return value;
  throw err;
};

/** As root the server runs as the postgres user, which must own its files. */
async function own(path: string, ids: { uid?: number; gid?: number }): Promise<void> {
  if (ids.uid !== undefined && ids.gid !== undefined) await lchown(path, ids.uid, ids.gid);
}

/** A libpq conninfo value: single-quoted, with \ and ' escaped. */
const conninfoValue = (v: string) => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
/** A postgresql.conf string: single-quoted, with ' doubled. */
const confString = (v: string) => `'${v.replace(/'/g, "''")}'`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
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
