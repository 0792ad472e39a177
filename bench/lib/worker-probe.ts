// Preloaded into the worker processes bench:worker starts (`node --import
// bench/lib/worker-probe.ts apps/worker/src/main.ts`), so its summary prints what ran rather than a
// copy of the runtime's defaults: when the runtime asks pg-boss to work the signals queue, this
// prints the options it passed as one line, {"workerProbe": {"signalsWork": {…}}}.
//
// With BENCH_WORKER_RUNTIME (JSON: RuntimeOptions fields such as chunkSize, consumerBatchSize,
// relayBatchSize, relayIdleMs) it is also an EXPERIMENT: those options are merged into every
// SignalRuntime.create, to measure what a change would do without touching apps/; the line then
// carries them as "experiment".
import { SignalRuntime, SIGNALS_QUEUE, type RuntimeOptions } from '../../apps/worker/src/signals/runtime.ts';

export interface WorkerProbeLine {
  workerProbe: { signalsWork: Record<string, unknown>; experiment?: Partial<RuntimeOptions> };
}

const experiment = process.env.BENCH_WORKER_RUNTIME ? (JSON.parse(process.env.BENCH_WORKER_RUNTIME) as Partial<RuntimeOptions>) : undefined;
const create = SignalRuntime.create.bind(SignalRuntime);
SignalRuntime.create = async (o: RuntimeOptions) => {
  const runtime = await create({ ...o, ...experiment });
  const boss = runtime.boss as unknown as { work: (name: string, options: Record<string, unknown>, handler: unknown) => Promise<string> };
  const work = boss.work.bind(boss);
  boss.work = (name, options, handler) => {
    if (name === SIGNALS_QUEUE) {
      const line: WorkerProbeLine = { workerProbe: { signalsWork: options, ...(experiment ? { experiment } : {}) } };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    return work(name, options, handler);
  };
  return runtime;
};
