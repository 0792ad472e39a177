// Standalone worker process: `DATABASE_URL=postgres://… node apps/worker/src/main.ts`.
// Serves GET /healthz on PARLEY_WORKER_HEALTH_PORT for the orchestrator; SIGTERM/SIGINT stop it
// gracefully (active jobs finish first).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeConfig, loadConfig } from '@parley/data';
import { startWorker } from './index.ts';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

const config = loadConfig();
if (!config.databaseUrl) {
  log('worker: DATABASE_URL is required to run the worker on its own (`pnpm start` runs it in-process with the embedded Postgres)');
  process.exit(2);
}
log(`worker: config ${JSON.stringify(describeConfig(config))}`);
const worker = await startWorker({ config, connectionString: config.databaseUrl, log });

const health = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    const ok = worker.healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: 'only GET /healthz lives here' } }));
});
await new Promise<void>((ok) => health.listen(config.workerHealthPort, config.host, ok));
const { port } = health.address() as AddressInfo;
log(`worker: health on http://${config.host}:${port}/healthz`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`worker: ${signal}, stopping`);
    health.close();
    health.closeAllConnections();
    worker.close().then(
      () => process.exit(0),
      (err: Error) => {
        log(`worker: stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  });
}
