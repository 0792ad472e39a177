// A throwaway embedded Postgres for one benchmark run, migrated, on a free loopback port. Its
// settings are the server's defaults (fsync, synchronous_commit and full_page_writes on) except
// shared_buffers and max_connections; `synchronousCommit: 'off'` is only ever a second,
// separately reported measurement.
import pg from 'pg';
import type { EmbeddedPg } from '../../scripts/lib/embedded-postgres.ts';
import { startThrowawayPostgres } from '../../scripts/lib/throwaway-postgres.ts';

export interface BenchPostgres {
  url: string;
  /** the server (for replicas of it: bench:read --router) */
  server: EmbeddedPg;
  postmasterPid: number;
  version: string;
  settings: Record<string, string>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

export const SHOWN_SETTINGS = ['shared_buffers', 'max_connections', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_buffers', 'checkpoint_timeout', 'max_wal_size'];

export async function startBenchPostgres(o: { synchronousCommit?: 'on' | 'off'; log: (line: string) => void }): Promise<BenchPostgres> {
  const pgServer = await startThrowawayPostgres({
    prefix: 'parley-bench-',
    database: 'parley_bench',
    flags: ['-c', 'shared_buffers=256MB', '-c', 'max_connections=300', '-c', `synchronous_commit=${o.synchronousCommit ?? 'on'}`],
    log: o.log,
  });
  const { url } = pgServer;
  let client: pg.Client | undefined;
  const stop = async () => {
    await client?.end().catch(() => {});
    await pgServer.stop();
  };
  try {
    client = new pg.Client({ connectionString: url });
    await client.connect();
    const c = client;
    const version = (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    const settings: Record<string, string> = {};
    for (const name of SHOWN_SETTINGS) {
      settings[name] = (await c.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0].v;
    }
    const postmasterPid = pgServer.server.pid;
    return { url, server: pgServer.server, postmasterPid, version, settings, query: async (text, values) => (await c.query(text, values)).rows, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
