// The worker runtime on a test's database, driven by the test: `drain()` relays the event log
// and runs every queue until nothing is left (the seed's `workers = ['fire_signal']`), so tests
// assert on effects without sleeping. It drives the runtime through the same public steps its
// own loops take (relayOnce, processSignals, the registry's queue handlers); the runtime's
// polling loops are never started. Like the worker (apps/worker/src/index.ts), it runs one runtime
// per database that holds events: on the split layout the accounts' events (account emails,
// erasures) are relayed and consumed from the accounts database, as in production.
import type { Config, Database } from '@parley/data';
import { defaultRegistry, runtimeDefaults, SIGNALS_QUEUE, SignalRuntime, type SignalRegistry, type SignalsJob } from '@parley/worker';
import type { TapTest } from './db.ts';

export interface DrainOptions {
  /** give up (and throw) after this long; 20 s unless told */
  deadlineMs?: number;
  /** wait for events still behind the commit horizon (the default) rather than return early */
  waitForHorizon?: boolean;
}

export interface TestWorker {
  /** the runtime of the first database that holds events (the only one on one database) */
  runtime: SignalRuntime;
  runtimes: SignalRuntime[];
  /** Relays and runs every queue until nothing is left. Jobs waiting for a retry delay are not due yet and are left alone. */
  drain(opts?: DrainOptions): Promise<{ events: number; jobs: number }>;
}

/** signals jobs per step, as the runtime's consumers take them */
const SIGNALS_BATCH = runtimeDefaults.consumerBatchSize;

export async function testWorker(
  t: TapTest,
  target: { db: Database; url: string; config: Config },
  opts: { registry?: SignalRegistry; log?: (line: string) => void } = {},
): Promise<TestWorker> {
  const registry = opts.registry ?? defaultRegistry(target.config);
  const sources = target.db.eventSources();
  const groups = sources.length === 1 ? [{ url: target.url, sources: undefined }] : sources.map((s) => ({ url: s.url, sources: [{ route: s.route, cursor: s.cursor }] }));
  const runtimes: SignalRuntime[] = [];
  t.teardown(() => Promise.all(runtimes.map((r) => r.stop(2000))));
  for (const g of groups) {
    runtimes.push(await SignalRuntime.create({
      registry,
      ctx: { config: target.config, db: target.db, log: opts.log ?? (() => {}) },
      connectionString: g.url,
      sources: g.sources,
      signalsRetry: { limit: 3, delay: 1 },
    }));
  }
  return { runtime: runtimes[0], runtimes, drain: (o) => drain(runtimes, registry, o) };
}

async function drain(runtimes: SignalRuntime[], registry: SignalRegistry, opts: DrainOptions = {}): Promise<{ events: number; jobs: number }> {
  const deadlineMs = opts.deadlineMs ?? 20_000;
  let events = 0;
  let jobs = 0;
  /** Runs one batch of a queue the way its consumer would: done on success, failed (to retry) on a throw. */
  const step = async <T extends object>({ boss }: SignalRuntime, queue: string, batchSize: number, handle: (batch: { id: string; data: T; retryCount: number }[]) => Promise<unknown>) => {
    const batch = await boss.fetch<T>(queue, { batchSize });
    if (!batch.length) return 0;
    jobs += batch.length;
    try {
      await handle(batch);
      await boss.complete(queue, batch.map((j) => j.id));
    } catch (err) {
      await boss.fail(queue, batch.map((j) => j.id), { message: (err as Error).message });
    }
    return batch.length;
  };
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    let did = 0;
    for (const runtime of runtimes) {
      did += await runtime.relayOnce();
      did += await step<SignalsJob>(runtime, SIGNALS_QUEUE, SIGNALS_BATCH, async (batch) => {
        events += await runtime.processSignals(batch);
      });
      for (const q of registry.queues) did += await step(runtime, q.name, q.batchSize, (batch) => q.handle(batch, runtime.ctx));
    }
    if (did === 0) {
      // events behind the commit horizon are not relayable yet, but they exist: wait for them
      if (opts.waitForHorizon === false || !(await anyUnrelayed(runtimes))) return { events, jobs };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`drain: still busy after ${deadlineMs} ms`);
}

async function anyUnrelayed(runtimes: SignalRuntime[]): Promise<boolean> {
  for (const r of runtimes) if (await r.hasUnrelayedEvents()) return true;
  return false;
}
