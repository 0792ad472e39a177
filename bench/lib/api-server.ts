// The API in its own process for the benchmarks, configured only through the environment (PORT,
// DATABASE_URL, PARLEY_ADMIN_TOKEN, LOG_LEVEL, PARLEY_DB_POOL_SIZE, ...). Prints one JSON line,
// {"listening": url, "pid": n}, once it accepts connections; SIGTERM closes it.
//
// `--named-statements` is an experiment, not a configuration of Parley: it makes node-pg send
// every parameterised statement as a named prepared statement (parsed and planned once per
// connection), to measure what that would change without touching the API's code.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { Database, loadConfig, singleDatabase } from '../../packages/data/src/index.ts';
import { startApi } from '../../apps/api/src/index.ts';

if (process.argv.includes('--named-statements')) nameStatements();

const config = loadConfig();
if (!config.databaseUrl) throw new Error('api-server: DATABASE_URL is required');
const db = new Database(singleDatabase(config.databaseUrl), { poolSize: config.dbPoolSize });
const api = await startApi({ config, db });
process.stdout.write(`${JSON.stringify({ listening: api.url, pid: process.pid })}\n`);

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

function nameStatements(): void {
  const names = new Map<string, string>();
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, config: unknown, values?: unknown, callback?: unknown) {
    if (typeof config === 'string' && Array.isArray(values)) {
      let name = names.get(config);
      if (!name) names.set(config, (name = `bench_${createHash('sha1').update(config).digest('hex').slice(0, 16)}`));
      return original.call(this, { name, text: config, values }, callback);
    }
    return original.call(this, config, values, callback);
  };
}
