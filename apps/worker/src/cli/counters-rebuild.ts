// `pnpm counters:rebuild [--apply]`: recompute every counter from the event log and compare it
// with the live counters; exit 1 when they differ (without --apply), 0 when they match or were fixed.
// On DATABASE_URL (`pnpm counters:rebuild` supplies the embedded Postgres's when it is unset).
import { loadConfig, openDatabase, type Database } from '@parley/data';
import { rebuildCounters } from '../counters/rebuild.ts';

const apply = process.argv.includes('--apply');
const log = (line: string) => process.stdout.write(`[counters] ${line}\n`);
let db: Database | undefined;
let code = 0;
try {
  db = openDatabase(loadConfig(), { poolSize: 2 });
  const started = Date.now();
  const report = await rebuildCounters(db, { apply, log });
  for (const d of report.differences.slice(0, 50)) log(`${d.counter} ${d.id} ${d.field}: live ${d.live}, from the log ${d.rebuilt}`);
  if (report.differing > 50) log(`… and ${report.differing - 50} more`);
  log(`${report.events} events and ${report.rows} counter rows in ${Date.now() - started} ms; ${report.differing} counters differ${apply && report.differing ? ' (fixed)' : ''}`);
  if (report.differing && !apply) code = 1;
} catch (err) {
  log(`failed: ${(err as Error).message}`);
  code = 1;
}
await db?.close();
process.exit(code);
