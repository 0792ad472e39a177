// The one way a process opens its databases: from its config. Every entry point (the API, the
// worker, realtime, the CLIs, scripts/start.ts, the test harness) calls openDatabase, so when the
// config grows from one URL into a topology (shards, replicas, pgbouncer), this file changes and
// the entry points don't.
import { ConfigError, type Config } from './config.ts';
import { Database, singleDatabase, type Topology } from './db.ts';

/** The topology the config names: today one database (DATABASE_URL) for every alias. */
export function topologyOf(config: Config): Topology {
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL is not set (`pnpm start` sets it to the embedded Postgres)');
  return singleDatabase(config.databaseUrl);
}

export interface OpenOptions {
  /** connections per alias; default PARLEY_DB_POOL_SIZE (the worker and CLIs take fewer) */
  poolSize?: number;
}

export const openDatabase = (config: Config, opts: OpenOptions = {}): Database =>
  new Database(topologyOf(config), { poolSize: opts.poolSize ?? config.dbPoolSize, connectTimeoutMs: config.dbConnectTimeoutMs });
