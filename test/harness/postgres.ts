// A Postgres server of a test's own, for tests that kill it: the run's shared server (test/run.ts)
// serves every other test file and must never go away. A fresh cluster in a temp directory on a
// free port, database `parley` migrated; `pg.kill('SIGKILL')` and `pg.restart()` reuse the same
// directory and port, so connection strings stay valid. Stopped and removed on teardown.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@parley/data';
import { freePort, startEmbeddedPostgres, type EmbeddedPg, type EmbeddedPgOptions } from '../../scripts/lib/embedded-postgres.ts';
import type { TapTest } from './db.ts';

export interface OwnPostgres {
  pg: EmbeddedPg;
  /** the migrated database `parley` */
  url: string;
  dir: string;
}

/**
 * fsync off (these clusters are thrown away, and a killed process does not lose the kernel's page
 * cache), but synchronous_commit stays on: a commit acknowledged before its WAL left shared memory
 * would be lost with the postmaster, and these tests count acknowledged writes after a SIGKILL.
 */
export const TEST_PG_FLAGS = ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'];

export async function ownPostgres(t: TapTest, opts: Pick<EmbeddedPgOptions, 'supervise'> = {}): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ownpg-'));
  await chmod(dir, 0o755); // postgres runs as its own user when we are root
  const lines: string[] = [];
  const pg = await startEmbeddedPostgres({
    dir: join(dir, 'pg'),
    port: await freePort(),
    password: randomBytes(12).toString('hex'),
    flags: TEST_PG_FLAGS,
    log: (line) => void lines.push(line),
    ...opts,
  });
  t.teardown(async () => {
    if (!t.passing()) t.comment(`own postgres on port ${pg.port}:\n${lines.slice(-20).join('\n')}`);
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await pg.ensureDatabase('parley');
  const url = pg.url('parley');
  await migrate(url, () => {});
  return { pg, url, dir };
}
