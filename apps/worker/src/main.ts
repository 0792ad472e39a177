// Standalone worker process: `DATABASE_URL=postgres://… node apps/worker/src/main.ts`.
// Serves GET /healthz on PARLEY_WORKER_HEALTH_PORT for the orchestrator (503 while starting or
// while the database is away); SIGTERM/SIGINT stop it gracefully (active jobs finish first).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, hasDatabase, isConnectionError, lineLogger, loadConfig, logConfig } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { startWorker, type Worker } from './index.ts';

const config = loadConfig();
const logger = createLogger(config, 'worker');
const log = lineLogger(logger);
if (!hasDatabase(config)) {
  log('worker: DATABASE_URL or PARLEY_TOPOLOGY is required to run the worker on its own (`pnpm start` runs it in-process with the embedded Postgres)');
  process.exit(2);
}
logConfig(logger, config);

let worker: Worker | undefined;
let stopping = false;

const health = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    const ok = worker?.healthy() ?? false;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : worker ? 'unavailable' : 'starting' }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /healthz lives here' } }));
});
await new Promise<void>((ok) => health.listen(config.workerHealthPort, config.host, ok));
const { port } = health.address() as AddressInfo;
log(`worker: health on http://${config.host}:${port}/healthz`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`worker: ${signal}, stopping`);
    health.close();
    health.closeAllConnections();
    (worker?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      (err: Error) => {
        log(`worker: stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  });
}

const unavailable = (err: unknown) => isConnectionError(err) || (err instanceof ParleyError && err.code === 'database_unavailable');

// A worker started while the database is away (a restart, a failover, every process restarted at
// once) waits for it instead of exiting, so the orchestrator need not order the start-up.
for (let attempt = 0; !stopping && !worker; attempt++) {
  try {
    worker = await startWorker({ config, log });
  } catch (err) {
    if (!unavailable(err)) throw err;
    if (attempt % 10 === 0) log(`worker: the database is unavailable (${(err as Error).message}); waiting for it`);
    await new Promise((ok) => setTimeout(ok, Math.min(250 * 2 ** attempt, 2000)));
  }
}
if (stopping && worker) await worker.close();
