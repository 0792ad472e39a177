// The one way a process opens its databases: from its config. Every entry point (the API, the
// worker, realtime, the CLIs, scripts/start.ts, the test harness) calls openDatabase, so when the
// config grows from one URL into a topology (shards, replicas, pgbouncer), this file changes and
// the entry points don't.
import { ConfigError, type Config } from './config.ts';
import { Database } from './db.ts';
import { loadTopologyFile, singleDatabase, type Topology } from './topology.ts';

/** The topology the config names: the topology file (PARLEY_TOPOLOGY), or one database (DATABASE_URL) for every alias. */
export function topologyOf(config: Config): Topology {
  if (config.topology) return loadTopologyFile(config.topology);
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL (or PARLEY_TOPOLOGY) is not set (`pnpm start` sets DATABASE_URL to the embedded Postgres)');
  return singleDatabase(config.databaseUrl);
}

/** Whether the config names any database (the CLIs and standalone processes need one). */
export const hasDatabase = (config: Config): boolean => config.databaseUrl !== undefined || config.topology !== undefined;

export interface OpenOptions {
  /** connections per alias; default PARLEY_DB_POOL_SIZE (the worker and CLIs take fewer) */
  poolSize?: number;
}

export const openDatabase = (config: Config, opts: OpenOptions = {}): Database =>
  new Database(topologyOf(config), {
    poolSize: opts.poolSize ?? config.dbPoolSize,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    replicaMaxLagMs: config.replicaMaxLagMs,
  });
