// Preloaded into the API (and worker) processes bench:read starts (`node --import
// bench/lib/page-probe.ts apps/api/src/main.ts`): counts the statements that read a page of a
// thread's posts (the listing, `SELECT p.id …`, whether sent named or not) as node-pg sends
// them, so the summary can say how many pages a phase really rendered: one per request on the
// uncached path, about none on a cache hit. On SIGUSR2 it prints the count so far as one line,
// {"pageProbe": {"listings": N}}. It changes nothing the process sends; the cost is one substring
// test per statement.
import { createRequire } from 'node:module';

export interface PageProbeLine {
  pageProbe: { listings: number };
}

// the pg the data package loads, so the count sees its pools
const pg = createRequire(new URL('../../packages/data/package.json', import.meta.url))('pg') as typeof import('pg');
let listings = 0;
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const original = proto.query;
proto.query = function (this: unknown, config: unknown, values?: unknown, callback?: unknown) {
  const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
  if (typeof text === 'string' && text.startsWith('SELECT p.id')) listings++;
  return original.call(this, config, values, callback);
};
process.on('SIGUSR2', () => {
  const line: PageProbeLine = { pageProbe: { listings } };
  process.stdout.write(`${JSON.stringify(line)}\n`);
});
