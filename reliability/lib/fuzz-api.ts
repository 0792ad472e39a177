// The API in its own process for the fuzzer, so the RSS the fuzzer reports is the API's alone.
// Configured only through the environment (DATABASE_URL, PORT, PARLEY_*); prints one JSON line,
// {"listening": url, "pid": n}, once it accepts connections. SIGTERM closes it. Errors the API
// logs (LOG_LEVEL=error) go to stdout as JSON lines, which the fuzzer keeps to explain a 5xx.
import { Database, loadConfig, singleDatabase } from '@parley/data';
import { startApi } from '@parley/api';

const config = loadConfig();
if (!config.databaseUrl) throw new Error('fuzz-api: DATABASE_URL is required');
const db = new Database(singleDatabase(config.databaseUrl), { poolSize: config.dbPoolSize });
const api = await startApi({ config, db });
process.stdout.write(`${JSON.stringify({ listening: api.url, pid: process.pid })}\n`);

// SIGUSR2: collect garbage (the child runs with --expose-gc) and print the memory figures, so
// the fuzzer can tell live objects (a cache without a bound) from heap slack and allocator pages.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers } })}\n`);
});

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await api.close();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
