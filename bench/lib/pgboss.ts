// pg-boss for bench:worker: its schema installed ahead of a run (as on a live server, where the
// worker has run before), and its own ceiling on this machine: trivial jobs inserted in batches,
// then consumed by work() with no-op handlers. The settings are the ceiling's own (`CEILING`,
// printed as used); the summary prints beside them the options the worker's runtime passed to
// work() (bench/lib/worker-probe.ts). The bench package does not depend on pg-boss; the worker's
// copy is loaded, so the version is the one Parley runs.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SignalRuntime } from '../../apps/worker/src/index.ts';

type Boss = SignalRuntime['boss'];
type BossClass = new (o: { connectionString: string; application_name: string; max: number; schedule: boolean }) => Boss;

const requireFromWorker = createRequire(new URL('../../apps/worker/package.json', import.meta.url));

async function bossClass(): Promise<BossClass> {
  const mod = (await import(pathToFileURL(requireFromWorker.resolve('pg-boss')).href)) as { PgBoss: BossClass };
  return mod.PgBoss;
}

export function pgBossVersion(): string {
  const main = requireFromWorker.resolve('pg-boss');
  const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The ceiling's pg-boss: its pool (`max` connections, no scheduler), jobs per insert(), and the
 * options of its work(): batches as large as the inserts, two loops, and burst (fetch again at
 * once while fetches come back full, instead of waiting out the polling interval).
 */
export const CEILING = {
  pool: { max: 6, schedule: false },
  insertBatch: 100,
  work: { batchSize: 100, localConcurrency: 2, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
} as const;

const newBoss = async (url: string, name: string) => new (await bossClass())({ connectionString: url, application_name: name, ...CEILING.pool });

export async function installPgBoss(url: string): Promise<void> {
  const boss = await newBoss(url, 'parley:bench-install');
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}

export interface BossCeiling {
  jobs: number;
  insertSeconds: number;
  insertRate: number;
  workSeconds: number;
  workRate: number;
  /** every job inserted and consumed: jobs / (insert + work seconds) */
  passRate: number;
}

export async function measureBossCeiling(o: { url: string; jobs: number; deadlineSeconds: number; log: (line: string) => void }): Promise<BossCeiling> {
  const boss = await newBoss(o.url, 'parley:bench-ceiling');
  boss.on('error', (err: Error) => o.log(`pg-boss ceiling: error: ${err.message}`));
  await boss.start();
  const queue = 'bench.ceiling';
  try {
    await boss.createQueue(queue);
    const deadline = performance.now() + o.deadlineSeconds * 1000;
    const progress = (what: string, n: number, since: number, last: { n: number; at: number }) => {
      const now = performance.now();
      if (now - last.at < 2000) return;
      o.log(`pg-boss ceiling: ${what} ${n.toLocaleString('en-US')} / ${o.jobs.toLocaleString('en-US')} jobs, ` +
        `${Math.round(((n - last.n) * 1000) / (now - last.at)).toLocaleString('en-US')}/s over the last ${((now - last.at) / 1000).toFixed(0)} s ` +
        `(${Math.round((n * 1000) / (now - since)).toLocaleString('en-US')}/s overall)`);
      last.n = n;
      last.at = now;
    };

    const t0 = performance.now();
    const last = { n: 0, at: t0 };
    const batch = CEILING.insertBatch;
    for (let i = 0; i < o.jobs; i += batch) {
      if (performance.now() > deadline) throw new Error(`pg-boss ceiling: insert still running after ${o.deadlineSeconds} s`);
      await boss.insert(queue, Array.from({ length: Math.min(batch, o.jobs - i) }, (_, j) => ({ data: { n: i + j } })));
      progress('inserted', Math.min(i + batch, o.jobs), t0, last);
    }
    const insertSeconds = (performance.now() - t0) / 1000;

    let handled = 0;
    const t1 = performance.now();
    const lastWork = { n: 0, at: t1 };
    let allDone!: () => void;
    const done = new Promise<void>((ok) => (allDone = ok));
    const id = await boss.work(queue, { ...CEILING.work }, async (jobs) => {
      handled += jobs.length;
      progress('consumed', handled, t1, lastWork);
      if (handled >= o.jobs) allDone();
    });
    const timer = setTimeout(() => allDone(), Math.max(0, deadline - performance.now()));
    await done;
    clearTimeout(timer);
    await boss.offWork(queue, { id, wait: true }); // the last batch is completed once its handler returns
    if (handled < o.jobs) throw new Error(`pg-boss ceiling: only ${handled} of ${o.jobs} jobs consumed within ${o.deadlineSeconds} s`);
    const workSeconds = (performance.now() - t1) / 1000;
    return {
      jobs: o.jobs,
      insertSeconds,
      insertRate: o.jobs / insertSeconds,
      workSeconds,
      workRate: o.jobs / workSeconds,
      passRate: o.jobs / (insertSeconds + workSeconds),
    };
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
