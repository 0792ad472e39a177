// `pnpm counters:rebuild [--apply]`: recompute every counter from the event log and compare it
// with the live counters; exit 1 when they differ (without --apply), 0 when they match or were fixed.
import { Database, loadConfig, singleDatabase } from '@parley/data';
import { rebuildCounters } from '../counters/rebuild.ts';
import { configuredDatabase } from '../../../../scripts/lib/database.ts';

const apply = process.argv.includes('--apply');
const log = (line: string) => process.stdout.write(`[counters] ${line}\n`);
const config = loadConfig();
const database = await configuredDatabase(config, log);
const db = new Database(singleDatabase(database.url), { poolSize: 2 });
let code = 0;
try {
  const started = Date.now();
  const { events, differences } = await rebuildCounters(db, { apply, log });
  for (const d of differences.slice(0, 50)) log(`${d.counter} ${d.id} ${d.field}: live ${d.live}, from the log ${d.rebuilt}`);
  if (differences.length > 50) log(`… and ${differences.length - 50} more`);
  log(`${events} events in ${Date.now() - started} ms; ${differences.length} counters differ${apply && differences.length ? ' (fixed)' : ''}`);
  if (differences.length && !apply) code = 1;
} catch (err) {
  log(`failed: ${(err as Error).message}`);
  code = 1;
}
await db.close();
await database.release();
process.exit(code);
