// `pnpm bench:backtest`: how fast a rules backtest replays a forum's past comments (issue 15's
// target: 20,000 comments/s on this machine), beside its ceiling measured in the same run: the same
// scan of the event log (the backtest's own statement, the same pages, the next page asked for
// while one is handled) with every snapshot decoded, and nothing judged. Two rule sets: the
// defaults, and the defaults plus a 200-entry blocklist.
//
//   node bench/backtest.ts [--comments=100000] [--page=2000]
//
// One throwaway embedded Postgres, migrated; the forum is seeded in bulk (bench/lib/backtest-seed.ts).
import { cpuUsage } from 'node:process';
import pg from 'pg';
import { backtestSql, decodeSnapshot, loadConfig, migrateTopology, openDatabase, runBacktest, topologyOf, type BacktestResult } from '../packages/data/src/index.ts';
import { defaultModerationSettings, statusEventTypes, type BlocklistEntry, type ModerationSettings } from '../packages/domain/src/index.ts';
import { args, benchMain, log, machineInfo, onCleanup } from './lib/run.ts';
import { startBenchPostgres } from './lib/postgres.ts';
import { seedBacktestForum } from './lib/backtest-seed.ts';
import { fmt } from './lib/load.ts';

const a = args(['comments', 'page']);
const comments = Number(a.get('comments') ?? 100_000);
const pageSize = Number(a.get('page') ?? 2000);

const loaded: ModerationSettings = {
  ...structuredClone(defaultModerationSettings),
  blocklist: {
    enabled: true,
    entries: Array.from({ length: 200 }, (_, k): BlocklistEntry =>
      k === 0 ? { kind: 'word', term: 'casino', action: 'spam' } : k % 5 === 0 ? { kind: 'domain', term: `spam${k}.example`, action: 'spam' } : { kind: 'word', term: `badword${k}`, action: 'hold' }),
  },
};

benchMain('bench:backtest', 600 + Math.ceil(comments / 200), async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);
  const server = await startBenchPostgres({ log: (l) => log(`postgres: ${l}`) });
  onCleanup(server.stop);
  const config = loadConfig({}, { databaseUrl: server.url });
  await migrateTopology(topologyOf(config));
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  onCleanup(() => c.end());
  const seeded = await seedBacktestForum(c, comments, log);
  log(`seeded: ${fmt(seeded.comments)} comments, ${fmt(seeded.events)} events`);
  const db = openDatabase(config, { poolSize: 4 });
  onCleanup(() => db.close());
  const forum = { id: seeded.forumId, slug: 'bench-backtest', shard: 0 };

  const ceiling = async () => {
    const started = performance.now();
    const cpu = cpuUsage();
    let created = 0;
    type Row = { id: string; type: string; snapshot: Uint8Array };
    const page = (after: string) => db.exec<Row>({ area: 'content', shard: 0, mode: 'read' }, backtestSql.forumEventsAfter, [forum.id, after, [...statusEventTypes], pageSize]);
    let next: Promise<{ rows: Row[] }> | undefined = page('0');
    while (next) {
      const { rows }: { rows: Row[] } = await next;
      if (rows.length === 0) break;
      next = rows.length === pageSize ? page(rows[rows.length - 1].id) : undefined;
      for (const r of rows) {
        decodeSnapshot(r.snapshot);
        if (r.type === 'PostCreated') created++;
      }
    }
    const used = cpuUsage(cpu);
    const ms = performance.now() - started;
    return { created, ms, rate: (created * 1000) / ms, cpuUs: (used.user + used.system) / created };
  };
  const backtest = async (settings: ModerationSettings): Promise<BacktestResult & { ms: number; rate: number; cpuUs: number }> => {
    const started = performance.now();
    const cpu = cpuUsage();
    const r = await runBacktest(db, { forum, settings, maxComments: comments * 2, pageSize });
    const used = cpuUsage(cpu);
    const ms = performance.now() - started;
    return { ...r, ms, rate: (r.comments * 1000) / ms, cpuUs: (used.user + used.system) / r.comments };
  };

  await ceiling(); // warm: the forum's pages in shared buffers, the statements planned
  const scan = await ceiling();
  log(`ceiling (scan + decode, nothing judged): ${fmt(scan.created)} comments in ${fmt(Math.round(scan.ms))} ms: ${fmt(Math.round(scan.rate))} comments/s, this process's CPU ${scan.cpuUs.toFixed(1)} µs per comment`);
  const results: [string, Awaited<ReturnType<typeof backtest>>][] = [];
  for (const [name, rules] of [['default rules', defaultModerationSettings], ['defaults + 200-entry blocklist', loaded]] as const) {
    const r = await backtest(rules);
    results.push([name, r]);
    log(`backtest, ${name}: ${fmt(r.comments)} comments in ${fmt(Math.round(r.ms))} ms: ${fmt(Math.round(r.rate))} comments/s (${(r.rate / scan.rate).toFixed(2)} of the ceiling), this process's CPU ${r.cpuUs.toFixed(1)} µs per comment; ` +
      `verdicts ${JSON.stringify(r.verdicts)}; false positives ${r.falsePositives.count}, misses ${r.misses.count}`);
  }

  log('== bench:backtest summary');
  log(`comments: ${fmt(comments)} (${fmt(seeded.events)} events), page ${pageSize}, Postgres ${server.version}`);
  log(`| run | comments/s | of the ceiling | Node CPU per comment |`);
  log(`|---|---|---|---|`);
  log(`| scan + decode (ceiling) | ${fmt(Math.round(scan.rate))} | 1 | ${scan.cpuUs.toFixed(1)} µs |`);
  for (const [name, r] of results) log(`| backtest, ${name} | ${fmt(Math.round(r.rate))} | ${(r.rate / scan.rate).toFixed(2)} | ${r.cpuUs.toFixed(1)} µs |`);
});
