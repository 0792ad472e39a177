// A Postgres server of a test's own, for tests that kill it: the run's shared server (test/run.ts)
// serves every other test file and must never go away. A fresh cluster in a temp directory on a
// free port, database `parley` migrated; `pg.kill('SIGKILL')` and `pg.restart()` reuse the same
// directory and port, so connection strings stay valid. Stopped and removed on teardown.
import type { EmbeddedPg, EmbeddedPgOptions } from '../../scripts/lib/embedded-postgres.ts';
import { startThrowawayPostgres } from '../../scripts/lib/throwaway-postgres.ts';
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
  const lines: string[] = [];
  const own = await startThrowawayPostgres({ prefix: 'parley-ownpg-', database: 'parley', flags: TEST_PG_FLAGS, log: (line) => void lines.push(line), ...opts });
  t.teardown(async () => {
    if (!t.passing()) t.comment(`own postgres on port ${own.server.port}:\n${lines.slice(-20).join('\n')}`);
    await own.stop();
  });
  return { pg: own.server, url: own.url, dir: own.dir };
}
