// `node scripts/with-database.ts <tool.ts> [args…]`: runs a command-line tool on the database
// Parley is configured for. The tools open DATABASE_URL themselves (`openDatabase`); this supplies
// it when it is unset, from the one-machine setup: the embedded Postgres under PARLEY_DATA_DIR,
// the running one if `pnpm start` holds it, or started for the occasion and stopped afterwards.
import { spawn } from 'node:child_process';
import { hasDatabase, loadConfig } from '../packages/data/src/index.ts';
import { configuredDatabase } from './lib/database.ts';

const [tool, ...args] = process.argv.slice(2);
if (!tool) {
  process.stderr.write('usage: node scripts/with-database.ts <tool.ts> [args…]\n');
  process.exit(2);
}
const config = loadConfig();
// with a topology file, the tool opens every database of it itself
const database = hasDatabase(config) && config.topology
  ? { url: undefined, release: async () => {} }
  : await configuredDatabase(config, (line) => process.stderr.write(`[database] ${line}\n`));
const env = database.url ? { ...process.env, DATABASE_URL: database.url } : process.env;
const child = spawn(process.execPath, [tool, ...args], { env, stdio: 'inherit' });
// Ctrl-C reaches the tool from the terminal; wait for it to finish. A SIGTERM sent here is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await database.release();
process.exit(code);
