// The embedded layout for bench:realtime, in its own process: the API with the realtime tier
// attached to its HTTP server (as `pnpm start` runs them), configured only through the
// environment (PORT, DATABASE_URL, PARLEY_ADMIN_TOKEN, LOG_LEVEL, PARLEY_WRITE_RATE_PER_MINUTE,
// REDIS_URL unset: the API publishes with NOTIFY and the realtime tier LISTENs). Prints one JSON
// line, {"listening": url, "pid": n}; SIGTERM closes realtime, then the API, then the pool.
import { Database, loadConfig, singleDatabase } from '../../packages/data/src/index.ts';
import { startApi } from '../../apps/api/src/index.ts';
import { attachRealtime } from '../../apps/realtime/src/index.ts';

const config = loadConfig();
if (!config.databaseUrl) throw new Error('realtime-embedded: DATABASE_URL is required');
const db = new Database(singleDatabase(config.databaseUrl), { poolSize: config.dbPoolSize });
const api = await startApi({ config, db });
const realtime = attachRealtime(api.app.server, { config, db, log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`${JSON.stringify({ listening: api.url, pid: process.pid })}\n`);

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await realtime.close();
  await api.close();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
