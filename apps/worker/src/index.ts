// The worker tier: a relay from the event log into pg-boss, and consumers that run the
// delayed-signal handlers (counters, notifications, webhooks, cache refills) in batches.
import { openDatabase, type Config, type Database } from '@parley/data';
import { defaultRegistry } from './handlers.ts';
import { SignalRuntime } from './signals/runtime.ts';
import type { SignalRegistry } from './signals/registry.ts';

export { SignalRuntime, SIGNALS_QUEUE, deadQueue, runtimeDefaults, type SignalsJob } from './signals/runtime.ts';
export { SignalRegistry } from './signals/registry.ts';
export type { SignalHandler, SignalContext, QueueDefinition } from './signals/registry.ts';
export { defaultRegistry } from './handlers.ts';

export interface Worker {
  healthy(): boolean;
  runtime: SignalRuntime;
  close(): Promise<void>;
}

export interface WorkerOptions {
  config: Config;
  /** pg-boss's database; default the config's (DATABASE_URL) */
  connectionString?: string;
  /** the data seam; one is opened from the config (and closed with the worker) when absent */
  db?: Database;
  registry?: SignalRegistry;
  log?: (line: string) => void;
}

export async function startWorker({ config, connectionString, db, registry, log = () => {} }: WorkerOptions): Promise<Worker> {
  const ownDb = db === undefined;
  const database = db ?? openDatabase(config, { poolSize: Math.min(config.dbPoolSize, 6) });
  const runtime = await SignalRuntime.create({
    registry: registry ?? defaultRegistry(config),
    ctx: { config, db: database, log },
    connectionString: connectionString ?? database.primaryUrl({ area: 'content', shard: 0 }),
    concurrency: config.workerConcurrency,
    monitorSeconds: config.workerMonitorSeconds,
  });
  let running = true;
  runtime.boss.on('stopped', () => {
    running = false;
  });
  await runtime.start();
  log('worker: pg-boss started, relaying and consuming signals');

  let closing: Promise<void> | undefined;
  return {
    // stopped, or the database is away (relay steps fail): the orchestrator sees 503
    healthy: () => running && runtime.relaying,
    runtime,
    close() {
      closing ??= (async () => {
        running = false;
        await runtime.stop(10_000);
        if (ownDb) await database.close();
        log('worker: stopped');
      })();
      return closing;
    },
  };
}
