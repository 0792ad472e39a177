// The worker tier: pg-boss on the same Postgres as the data. Thin for now; delayed-signal
// handlers (counters, notifications, cache refills) register here in a later issue.
import { PgBoss } from 'pg-boss';
import type { Config } from '@parley/data';

export interface Worker {
  healthy(): boolean;
  close(): Promise<void>;
}

export interface WorkerOptions {
  config: Config;
  connectionString: string;
  log?: (line: string) => void;
}

export async function startWorker({ config, connectionString, log = () => {} }: WorkerOptions): Promise<Worker> {
  const boss = new PgBoss({
    connectionString,
    application_name: 'parley:worker',
    max: Math.min(config.dbPoolSize, 10),
  });
  let running = false;
  // Without a listener an 'error' event would crash the process; pg-boss retries on its own.
  boss.on('error', (err) => log(`worker: pg-boss error: ${err.message}`));
  boss.on('stopped', () => {
    running = false;
  });
  await boss.start();
  running = true;
  log('worker: pg-boss started');

  let closing: Promise<void> | undefined;
  return {
    healthy: () => running,
    close() {
      closing ??= (async () => {
        running = false;
        // graceful: let active jobs finish (up to the timeout), then close the pool.
        await boss.stop({ graceful: true, close: true, timeout: 10_000 });
        log('worker: stopped');
      })();
      return closing;
    },
  };
}
