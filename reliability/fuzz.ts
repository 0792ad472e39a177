// `pnpm fuzz [--requests=100000] [--seed=N] [--concurrency=16] [--max-seconds=900]`
// Fuzzes the API over real HTTP: a throwaway embedded Postgres, the API as a child process,
// real forums, threads, posts, users, webhooks and tokens made up front, then requests generated
// from the OpenAPI document (fast-check) and the Big List of Naughty Strings, on every route.
// Fails (exit 1) on any 5xx, any response that leaks internals, any 4xx without the error shape,
// any connection error or hang, and any crash of the API. Prints progress lines, the API's RSS at
// start and end, and one summary line.
import { parseArgs } from 'node:util';
import { spawnApi, startFuzzPostgres, type ApiChild, type FuzzPostgres } from './lib/fuzz-stack.ts';
import { seed } from './lib/fuzz-seed.ts';
import { generator } from './lib/fuzz-gen.ts';
import { passed, runFuzz, type FuzzStats } from './lib/fuzz-run.ts';
import { observe } from './lib/fuzz-valid.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '16' },
    'max-seconds': { type: 'string', default: '900' },
  },
});
const log = (line: string) => process.stdout.write(`${line}\n`);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

let pg: FuzzPostgres | undefined;
let api: ApiChild | undefined;

async function main(): Promise<number> {
  const n = Number(args.requests);
  const seedValue = Number(args.seed);
  log(`fuzz: seed ${seedValue}, ${n} requests, concurrency ${args.concurrency} (replay with --seed=${seedValue})`);
  pg = await startFuzzPostgres((line) => log(`fuzz: postgres: ${line}`));
  api = await spawnApi(pg.url);
  log(`fuzz: api pid ${api.pid} at ${api.url}`);
  const fixtures = await seed(api.url, pg.url);
  const doc = (await (await fetch(`${api.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  log(`fuzz: ${Object.values(doc.paths).reduce((k, ops) => k + Object.keys(ops).length, 0)} documented operations; seeded ${fixtures.forums.length} forums, ${fixtures.threads.length} threads, ${fixtures.posts.length} posts, ${fixtures.webhooks.length} webhooks`);
  const rssStart = await api.rss();
  const memStart = await api.memory();
  log(`fuzz: api rss at start ${mb(rssStart)}; after a full GC: rss ${mb(memStart.rss)}, heap used ${mb(memStart.heapUsed)} of ${mb(memStart.heapTotal)}, external ${mb(memStart.external)}`);
  const a = api;
  const stats = await runFuzz({
    baseUrl: api.url,
    arb: generator(fixtures, doc),
    observe: observe(fixtures),
    requests: n,
    seed: seedValue,
    concurrency: Number(args.concurrency),
    maxMs: Number(args['max-seconds']) * 1000,
    log,
    rss: () => a.rss(),
    crashed: () => {
      const e = a.exited();
      return e ? `the API exited (code ${e.code}, signal ${e.signal})\n${a.stderr().slice(-3000)}` : undefined;
    },
  });
  const rssEnd = stats.crash ? NaN : await api.rss();
  if (!stats.crash) {
    const m = await api.memory();
    log(`fuzz: api rss at end ${mb(rssEnd)}; after a full GC: rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)}`);
  }
  report(stats, rssStart, rssEnd, n, api);
  return passed(stats) && !stats.timedOut && stats.sent >= n ? 0 : 1;
}

function report(s: FuzzStats, rssStart: number, rssEnd: number, n: number, child: ApiChild): void {
  const routes = Object.entries(s.routes).sort((x, y) => y[1] - x[1]);
  log(`fuzz: ${routes.length} routes hit (requests, share answered 2xx):`);
  for (const [r, k] of routes) log(`fuzz:   ${r} ${k} ${Math.round((100 * (s.routeStatus[r]?.['2xx'] ?? 0)) / k)}% 2xx`);
  log(`fuzz: statuses ${Object.entries(s.statuses).map(([k, v]) => `${k}:${v}`).join(' ')}`);
  for (const f of s.failures.slice(0, 20)) log(`fuzz: FAILED ${f.kind} ${f.route}\n  request: ${f.request}\n  answer: ${f.detail}`);
  if (s.fiveXX && child.errors.length) log(`fuzz: the API logged:\n${child.errors.slice(-5).join('\n')}`);
  if (s.crash) log(`fuzz: CRASH ${s.crash}`);
  if (s.timedOut) log(`fuzz: stopped at the time limit after ${s.sent} of ${n} requests`);
  log(
    `fuzz: ${s.sent} requests in ${(s.durationMs / 1000).toFixed(1)} s (${Math.round(s.rate)}/s): ${s.fiveXX} 5xx, ${s.leaks} leaks, ${s.shapeless} shapeless 4xx, ` +
      `${s.transport} transport errors, ${s.crash ? 'API CRASHED' : 'no crash'}; api rss ${mb(rssStart)} -> ${Number.isNaN(rssEnd) ? 'n/a' : mb(rssEnd)}; ${passed(s) ? 'PASSED' : 'FAILED'}`,
  );
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`fuzz: ${(err as Error).stack ?? String(err)}`);
} finally {
  await api?.stop().catch(() => {});
  await pg?.stop().catch((err: Error) => log(`fuzz: stopping postgres: ${err.message}`));
}
process.exit(code);
