// A throwaway embedded Postgres for one benchmark run, migrated, on a free loopback port. Its
// settings are the server's defaults (fsync, synchronous_commit and full_page_writes on) except
// shared_buffers and max_connections; `synchronousCommit: 'off'` is only ever a second,
// separately reported measurement.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedPg } from '../../scripts/lib/embedded-postgres.ts';
import { migrate } from '../../packages/data/src/migrate.ts';

export interface BenchPostgres {
  url: string;
  postmasterPid: number;
  version: string;
  settings: Record<string, string>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

export const SHOWN_SETTINGS = ['shared_buffers', 'max_connections', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_buffers', 'checkpoint_timeout', 'max_wal_size'];

export async function startBenchPostgres(o: { synchronousCommit?: 'on' | 'off'; log: (line: string) => void }): Promise<BenchPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  await chmod(dir, 0o755); // as root, postgres runs as its own user and must enter this directory
  let server: EmbeddedPg | undefined;
  let client: pg.Client | undefined;
  const stop = async () => {
    await client?.end().catch(() => {});
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    server = await startEmbeddedPostgres({
      dir: join(dir, 'pg'),
      port: await freePort(),
      password: randomBytes(12).toString('hex'),
      flags: ['-c', 'shared_buffers=256MB', '-c', 'max_connections=300', '-c', `synchronous_commit=${o.synchronousCommit ?? 'on'}`],
      log: o.log,
    });
    await server.ensureDatabase('parley_bench');
    const url = server.url('parley_bench');
    await migrate(url, o.log);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    const c = client;
    const version = (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    const settings: Record<string, string> = {};
    for (const name of SHOWN_SETTINGS) {
      settings[name] = (await c.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0].v;
    }
    const postmasterPid = Number((await readFile(join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return { url, postmasterPid, version, settings, query: async (text, values) => (await c.query(text, values)).rows, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
