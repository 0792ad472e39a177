// The file copy half of a base backup (scripts/lib/replica.ts makes the other half with the
// server's backup API): the data directory of a running cluster, copied the way pg_basebackup
// copies it, into a directory the `postgres` user owns (as root the server runs as that user).
import { copyFile, lchown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Ids = { uid?: number; gid?: number };

/**
 * Copies the cluster the way pg_basebackup does: files may change or vanish while we read (WAL
 * replay from backup_label repairs the first, and the second are dropped relations or temp files),
 * and some directories are copied empty because their contents are runtime state or come from WAL.
 */
export async function copyCluster(source: string, target: string, ids: Ids): Promise<void> {
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

async function copyDir(root: string, target: string, rel: string, ids: Ids): Promise<void> {
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

async function copySubdirsEmpty(from: string, to: string, ids: Ids): Promise<void> {
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
export async function own(path: string, ids: Ids): Promise<void> {
  if (ids.uid !== undefined && ids.gid !== undefined) await lchown(path, ids.uid, ids.gid);
}
