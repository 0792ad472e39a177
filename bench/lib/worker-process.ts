// One worker for the benchmarks, in its own Node 24 process, configured through the environment
// like the real one (DATABASE_URL, PARLEY_WORKER_CONCURRENCY, PARLEY_DB_POOL_SIZE). Prints one
// JSON line, {"ready": true, "pid": n}, once pg-boss runs and the relay loop has started; SIGTERM
// stops it gracefully. Worker log lines go to stderr, where bench/lib/worker-child.ts picks out
// the failures.
//
// Without options this is `startWorker` exactly as apps/worker/src/main.ts runs it. The options
// are experiments, not configurations of Parley: `--chunk-size=N --consumer-batch=N
// --relay-batch=N --relay-idle-ms=N` build the SignalRuntime directly with those values (what
// startWorker does, with the runtime's other options), and `--burst` adds pg-boss's
// `burstWhenBatchFull: true` to the runtime's work() calls (fetch again at once while fetches come
// back full, instead of waiting out pollingIntervalSeconds after every fetch), to measure what a
// change would do without touching apps/.
import { Database, loadConfig, singleDatabase } from '../../packages/data/src/index.ts';
import { defaultRegistry, SignalRuntime, startWorker } from '../../apps/worker/src/index.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const config = loadConfig();
if (!config.databaseUrl) throw new Error('worker-process: DATABASE_URL is required');
const url = config.databaseUrl;

const opt = (name: string): number | undefined => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : undefined;
};
const experiment = {
  chunkSize: opt('chunk-size'),
  consumerBatchSize: opt('consumer-batch'),
  relayBatchSize: opt('relay-batch'),
  relayIdleMs: opt('relay-idle-ms'),
};
const burst = process.argv.includes('--burst');
const tuned = burst || Object.values(experiment).some((v) => v !== undefined);

let close: () => Promise<void>;
if (!tuned) {
  const worker = await startWorker({ config, connectionString: url, log });
  close = () => worker.close();
} else {
  const db = new Database(singleDatabase(url), { poolSize: Math.min(config.dbPoolSize, 6) });
  const defined = Object.fromEntries(Object.entries(experiment).filter(([, v]) => v !== undefined));
  const runtime = await SignalRuntime.create({
    registry: defaultRegistry(config),
    ctx: { config, db, log },
    connectionString: url,
    concurrency: config.workerConcurrency,
    ...defined,
  });
  if (burst) {
    const work = runtime.boss.work.bind(runtime.boss) as unknown as (name: string, options: object, handler: unknown) => Promise<string>;
    (runtime.boss as unknown as { work: typeof work }).work = (name, options, handler) => work(name, { ...options, burstWhenBatchFull: true }, handler);
  }
  await runtime.start();
  log(`worker-process: EXPERIMENT runtime options ${JSON.stringify(defined)}${burst ? ', work() with burstWhenBatchFull' : ''}`);
  close = async () => {
    await runtime.stop(10_000);
    await db.close();
  };
}
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
