// The worker tier: a relay from the event log into pg-boss, and consumers that run the
// delayed-signal handlers (counters, notifications, webhooks, cache refills) in batches.
import { ContentLocator, ForumCache, openCache, openDatabase, type ByteCache, type Config, type Database } from '@parley/data';
import { pageCacheOptions, ReadModel } from '@parley/read';
import { defaultRegistry } from './handlers.ts';
import { SignalRuntime } from './signals/runtime.ts';
import type { SignalRegistry } from './signals/registry.ts';

export { SignalRuntime, SIGNALS_QUEUE, deadQueue, runtimeDefaults, type SignalsJob } from './signals/runtime.ts';
export { SignalRegistry } from './signals/registry.ts';
export type { SignalHandler, SignalContext, QueueDefinition } from './signals/registry.ts';
export { defaultRegistry } from './handlers.ts';

export interface Worker {
  healthy(): boolean;
  /** the first runtime (the only one when one database serves everything) */
  runtime: SignalRuntime;
  /** one per database that holds events: each relays that database into its own pg-boss schema and consumes it */
  runtimes: SignalRuntime[];
  close(): Promise<void>;
}

export interface WorkerOptions {
  config: Config;
  /** one pg-boss database for everything (tests on one database); default: each event database's own */
  connectionString?: string;
  /** the data seam; one is opened from the config (and closed with the worker) when absent */
  db?: Database;
  registry?: SignalRegistry;
  /** the cache tier the refill writes to, when the caller shares one (scripts/start.ts with its API); else opened from the config */
  cache?: ByteCache;
  log?: (line: string) => void;
}

export async function startWorker({ config, connectionString, db, registry, cache, log = () => {} }: WorkerOptions): Promise<Worker> {
  const ownDb = db === undefined;
  const database = db ?? openDatabase(config, { poolSize: Math.min(config.dbPoolSize, 6) });
  // the read model the cache refill renders with, over the cache tier the API serves from
  const pages = cache ?? openCache(config, log);
  const read = new ReadModel({
    db: database,
    locator: new ContentLocator(database, new ForumCache(database)),
    pages: { defaultSize: config.pageSizeDefault, maxSize: config.pageSizeMax },
    cache: pages,
    pageCache: pageCacheOptions(config),
  });
  // One pg-boss per database that holds events (ADR 0008): the relay inserts a database's jobs
  // in the transaction that moves its cursor, and handlers insert follow-up jobs in the
  // transaction that claims their events, so each database's jobs live in its own pg-boss schema,
  // which this process then consumes. One database for everything: one runtime, as before.
  const groups = connectionString
    ? [{ url: connectionString, sources: undefined }]
    : database.eventSources().map((s) => ({ url: s.url, sources: [{ route: s.route, cursor: s.cursor }] }));
  const reg = registry ?? defaultRegistry(config, { read });
  const runtimes: SignalRuntime[] = [];
  try {
    for (const g of groups) {
      runtimes.push(await SignalRuntime.create({
        registry: reg,
        ctx: { config, db: database, log },
        connectionString: g.url,
        sources: g.sources,
        concurrency: config.workerConcurrency,
        monitorSeconds: config.workerMonitorSeconds,
      }));
    }
  } catch (err) {
    await Promise.all(runtimes.map((r) => r.stop(1000).catch(() => {})));
    if (ownDb) await database.close();
    if (!cache) await pages.close();
    throw err;
  }
  let running = true;
  for (const r of runtimes) {
    r.boss.on('stopped', () => {
      running = false;
    });
    await r.start();
  }
  log(`worker: pg-boss started, relaying and consuming signals (${runtimes.length === 1 ? 'one database' : `${runtimes.length} databases`})`);

  let closing: Promise<void> | undefined;
  return {
    // stopped, or a database is away (relay steps fail): the orchestrator sees 503
    healthy: () => running && runtimes.every((r) => r.relaying),
    runtime: runtimes[0],
    runtimes,
    close() {
      closing ??= (async () => {
        running = false;
        await Promise.all(runtimes.map((r) => r.stop(10_000)));
        if (ownDb) await database.close();
        if (!cache) await pages.close();
        log('worker: stopped');
      })();
      return closing;
    },
  };
}
export { runErasure } from './erasure/job.ts';
