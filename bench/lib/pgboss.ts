// pg-boss for bench:worker: its schema installed ahead of a run (as on a live server, where the
// worker has run before), and its own batched ceiling on this machine: jobs inserted 100 at a
// time, then consumed with no-op handlers, first a few hundred by work() set as the runtime sets
// it for signals (batchSize 10, localConcurrency 2, pollingIntervalSeconds 0.5: pg-boss 12 waits
// out the polling interval after every fetch, full or not), then the rest by work({ batchSize:
// 100, burstWhenBatchFull: true }), which fetches again at once while fetches come back full. The bench package does not
// depend on pg-boss; the worker's copy is loaded, so the version is the one Parley runs.
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

/** The pool the worker's runtime uses (6 connections, no scheduler). */
const newBoss = async (url: string, name: string) => new (await bossClass())({ connectionString: url, application_name: name, max: 6, schedule: false });

export async function installPgBoss(url: string): Promise<void> {
  const boss = await newBoss(url, 'parley:bench-install');
  await boss.start();
  await boss.stop({ graceful: false, close: true });
}

export interface BossCeiling {
  jobs: number;
  batch: number;
  insertSeconds: number;
  insertRate: number;
  workSeconds: number;
  workRate: number;
  /** every job inserted and consumed: jobs / (insert + work seconds) */
  passRate: number;
  politeJobs: number;
  politeRate: number;
}

export async function measureBossCeiling(o: { url: string; jobs: number; batch: number; concurrency: number; politeJobs: number; deadlineSeconds: number; log: (line: string) => void }): Promise<BossCeiling> {
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
    for (let i = 0; i < o.jobs; i += o.batch) {
      if (performance.now() > deadline) throw new Error(`pg-boss ceiling: insert still running after ${o.deadlineSeconds} s`);
      await boss.insert(queue, Array.from({ length: Math.min(o.batch, o.jobs - i) }, (_, j) => ({ data: { n: i + j } })));
      progress('inserted', i + o.batch, t0, last);
    }
    const insertSeconds = (performance.now() - t0) / 1000;

    /** consumes at least `jobs`; returns how many it consumed and at what rate */
    const consume = async (what: string, jobs: number, options: object): Promise<{ handled: number; rate: number }> => {
      let handled = 0;
      const t1 = performance.now();
      const last = { n: 0, at: t1 };
      let allDone!: () => void;
      const done = new Promise<void>((ok) => (allDone = ok));
      const id = await boss.work(queue, options, async (batch) => {
        handled += batch.length;
        progress(what, handled, t1, last);
        if (handled >= jobs) allDone();
      });
      const timer = setTimeout(() => allDone(), Math.max(0, deadline - performance.now()));
      await done;
      clearTimeout(timer);
      await boss.offWork(queue, { id, wait: true }); // the last batch is completed once its handler returns
      if (handled < jobs) throw new Error(`pg-boss ceiling: only ${handled} of ${jobs} jobs consumed within ${o.deadlineSeconds} s`);
      return { handled, rate: handled / ((performance.now() - t1) / 1000) };
    };
    const polite = await consume('consumed (runtime settings)', o.politeJobs, { batchSize: 10, localConcurrency: 2, pollingIntervalSeconds: 0.5 });
    const rest = o.jobs - polite.handled;
    const t2 = performance.now();
    await consume('consumed (batch 100, burst)', rest, { batchSize: o.batch, localConcurrency: o.concurrency, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true });
    const workSeconds = ((performance.now() - t2) / 1000) * (o.jobs / rest);
    return {
      jobs: o.jobs,
      batch: o.batch,
      insertSeconds,
      insertRate: o.jobs / insertSeconds,
      workSeconds,
      workRate: o.jobs / workSeconds,
      passRate: o.jobs / (insertSeconds + workSeconds),
      politeJobs: polite.handled,
      politeRate: polite.rate,
    };
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
