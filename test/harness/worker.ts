// The worker runtime on a test's database, driven by the test: `drain()` relays the event log
// and runs every queue until nothing is left (the seed's `workers = ['fire_signal']`), so tests
// assert on effects without sleeping.
import type { Config, Database } from '@parley/data';
import { defaultRegistry, SignalRuntime, type SignalRegistry } from '@parley/worker';
import type { TapTest } from './db.ts';

export async function testWorker(
  t: TapTest,
  target: { db: Database; url: string; config: Config },
  opts: { registry?: SignalRegistry; log?: (line: string) => void } = {},
): Promise<SignalRuntime> {
  const runtime = await SignalRuntime.create({
    registry: opts.registry ?? defaultRegistry(target.config),
    ctx: { config: target.config, db: target.db, log: opts.log ?? (() => {}) },
    connectionString: target.url,
    signalsRetry: { limit: 3, delay: 1 },
  });
  t.teardown(() => runtime.stop(2000));
  return runtime;
}
