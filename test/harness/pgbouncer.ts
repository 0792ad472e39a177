// A real pgbouncer for a test (scripts/lib/pgbouncer.ts): Debian's pgbouncer (1.18) in transaction
// pooling on 127.0.0.1 and a free port, in front of a Postgres the test names; its directory a temp
// dir removed on teardown. `kill()` takes it away (SIGKILL), `start()` brings it back on the same
// port. Where the binary is missing it throws, saying how to install it (`npm test` installs it).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import { startPgbouncer, type Pgbouncer } from '../../scripts/lib/pgbouncer.ts';
import type { TapTest } from './db.ts';

export type TestPgbouncer = Pgbouncer;

/** pgbouncer in front of the Postgres that `serverUrl` (any database on it) names. */
export async function testPgbouncer(t: TapTest, serverUrl: string, opts: { poolSize?: number } = {}): Promise<TestPgbouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-pgbouncer-'));
  const bouncer = await startPgbouncer({ serverUrl, dir, port: await freePort(), poolSize: opts.poolSize }).catch(async (err: Error) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  t.teardown(async () => {
    if (!t.passing()) t.comment(`pgbouncer output:\n${bouncer.output()}`);
    await bouncer.kill();
    await rm(dir, { recursive: true, force: true });
  });
  return bouncer;
}
