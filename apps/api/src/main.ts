// A standalone API process: `DATABASE_URL=postgres://… node apps/api/src/main.ts`.
// Any number of these can run behind a load balancer. The realtime tier is not attached here: run
// standalone realtime nodes (apps/realtime/src/main.ts) for websockets; this process still
// publishes every committed event to them (Redis with REDIS_URL, else Postgres NOTIFY).
// SIGTERM/SIGINT stop it gracefully: new requests get 503, in-flight ones finish, pools close.
import { createLogger, hasDatabase, lineLogger, loadConfig, logConfig, openDatabase } from '@parley/data';
import { startApi } from './index.ts';

const config = loadConfig();
const logger = createLogger(config, 'api');
const log = lineLogger(logger);
if (!hasDatabase(config)) {
  log('api: DATABASE_URL or PARLEY_TOPOLOGY is required to run the API on its own (`pnpm start` runs it with the embedded Postgres)');
  process.exit(2);
}
logConfig(logger, config);
const db = openDatabase(config);
const api = await startApi({ config, db, logger });
log(`api: listening on ${api.url} (realtime publish: ${api.app.publisher.kind})`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`api: ${signal}, stopping`);
    api
      .close()
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (err: Error) => {
          log(`api: stop failed: ${err.message}`);
          process.exit(1);
        },
      );
  });
}
