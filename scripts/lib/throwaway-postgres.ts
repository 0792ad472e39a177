// A throwaway embedded Postgres: a cluster in a new temp directory on a free loopback port, one
// database created and migrated. For the tests that kill their own server, the fuzzer and the
// benchmarks; `stop()` stops it and removes the directory. (test/run.ts and pnpm start keep theirs.)
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../packages/data/src/migrate.ts';
import { freePort, startEmbeddedPostgres, type EmbeddedPg, type EmbeddedPgOptions } from './embedded-postgres.ts';

export interface ThrowawayPostgres {
  server: EmbeddedPg;
  /** the migrated database */
  url: string;
  /** the temp directory (the cluster is `<dir>/pg`) */
  dir: string;
  stop(): Promise<void>;
}

export interface ThrowawayOptions extends Pick<EmbeddedPgOptions, 'flags' | 'log' | 'supervise'> {
  /** temp directory name prefix, e.g. 'parley-fuzz-' */
  prefix: string;
  database: string;
}

export async function startThrowawayPostgres(o: ThrowawayOptions): Promise<ThrowawayPostgres> {
  const dir = await mkdtemp(join(tmpdir(), o.prefix));
  await chmod(dir, 0o755); // as root, postgres runs as its own user and must enter this directory
  let server: EmbeddedPg | undefined;
  const stop = async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    server = await startEmbeddedPostgres({ dir: join(dir, 'pg'), port: await freePort(), password: randomBytes(12).toString('hex'), flags: o.flags, log: o.log, supervise: o.supervise });
    await server.ensureDatabase(o.database);
    const url = server.url(o.database);
    await migrate(url, o.log ?? (() => {}));
    return { server, url, dir, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
