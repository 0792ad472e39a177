// A standalone realtime node: `DATABASE_URL=postgres://… REDIS_URL=redis://… node apps/realtime/src/main.ts`.
// Any number of these can sit behind a load balancer, no sticky sessions: a client that lands on
// another node resumes with its last sequence. Serves the websocket endpoint and GET /healthz on
// PARLEY_REALTIME_PORT; SIGTERM/SIGINT tell clients to reconnect (1012) and stop.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, hasDatabase, lineLogger, loadConfig, logConfig, openDatabase } from '@parley/data';
import { attachRealtime, REALTIME_PATH } from './index.ts';

const config = loadConfig();
const logger = createLogger(config, 'realtime');
const log = lineLogger(logger);
if (!hasDatabase(config)) {
  log('realtime: DATABASE_URL or PARLEY_TOPOLOGY is required to run a realtime node on its own (`pnpm start` serves realtime on the API port)');
  process.exit(2);
}
logConfig(logger, config);
const db = openDatabase(config);

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    // 503 while the database is away: the node keeps its sockets, but can't set up subscriptions
    // or repair from the log, so a load balancer should send new clients elsewhere meanwhile.
    void realtime.database().then((database) => {
      const ok = realtime.healthy() && database;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', database, ...realtime.stats() }));
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: `websockets on ${REALTIME_PATH}, health on GET /healthz` } }));
});
const realtime = attachRealtime(server, { config, db, log });
await realtime.ready(); // listen only once events can be heard
await new Promise<void>((ok) => server.listen(config.realtimePort, config.host, ok));
const { port } = server.address() as AddressInfo;
log(`realtime: listening on ws://${config.host}:${port}${REALTIME_PATH} (bus: ${realtime.stats().bus})`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`realtime: ${signal}, telling clients to reconnect`);
    realtime
      .close()
      .then(async () => {
        server.closeAllConnections();
        await new Promise((ok) => server.close(ok));
        await db.close();
        process.exit(0);
      })
      .catch((err: Error) => {
        log(`realtime: stop failed: ${err.message}`);
        process.exit(1);
      });
  });
}
