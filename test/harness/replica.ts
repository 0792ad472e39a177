// A primary of the test's own (ownPostgres) with one real streaming replica of it
// (scripts/lib/replica.ts), for tests that pause, lag, kill or restart them; the run's shared
// server has no replica. The replica lives in its own temp directory, so the two teardowns may
// run in either order; both servers are stopped and their directories removed.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retireReplica, startReplica, type Replica } from '../../scripts/lib/replica.ts';
import type { TapTest } from './db.ts';
import { ownPostgres, TEST_PG_FLAGS, type OwnPostgres } from './postgres.ts';

export interface PrimaryWithReplica {
  primary: OwnPostgres;
  replica: Replica;
  /** the replica's copy of the migrated database `parley` */
  replicaUrl: string;
  /** the replica's cluster directory: startReplica on it again starts it as is */
  replicaDir: string;
  /** milliseconds the replica took to make (copy) and start */
  madeInMs: number;
}

/**
 * A short retry interval: after a primary restart the replica reconnects within a test's patience.
 * A new replica that cannot stream fails within the file's timeout, with the server's log tail.
 */
export const REPLICA_TEST_OPTIONS = { flags: [...TEST_PG_FLAGS, '-c', 'wal_retrieve_retry_interval=200ms'], readyTimeoutMs: 30_000 };

export async function ownPrimaryWithReplica(t: TapTest): Promise<PrimaryWithReplica> {
  const primary = await ownPostgres(t);
  return { primary, ...(await ownReplica(t, primary)) };
}

/** One more replica of a primary of the test's own, in a temp directory of its own. */
export async function ownReplica(t: TapTest, primary: OwnPostgres): Promise<Omit<PrimaryWithReplica, 'primary'>> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-replica-'));
  await chmod(dir, 0o755); // as root, postgres runs as its own user and must enter this directory
  const lines: string[] = [];
  const t0 = Date.now();
  const replica = await startReplica(primary.pg, { dir: join(dir, 'pg'), ...REPLICA_TEST_OPTIONS, log: (line) => void lines.push(line) }).catch(async (err: Error) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  t.teardown(async () => {
    if (!t.passing()) t.comment(`replica on port ${replica.port}:\n${lines.slice(-20).join('\n')}`);
    // its slot goes with it, or the primary would keep WAL for it forever
    await retireReplica(primary.pg.url('postgres'), replica).catch((err: Error) => t.comment(`retiring the replica: ${err.message}`));
    await rm(dir, { recursive: true, force: true });
  });
  return { replica, replicaUrl: replica.url('parley'), replicaDir: join(dir, 'pg'), madeInMs: Date.now() - t0 };
}
