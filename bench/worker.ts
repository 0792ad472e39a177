// `pnpm bench:worker`: how fast the worker tier turns the event log into counters.
//
//   node bench/worker.ts [--events=100000] [--workers=1,2] [--threads=100] [--reply-every=4]
//                        [--rate=1000] [--seconds=30] [--warmup=5] [--ceiling-jobs=100000]
//                        [--skip=throughput,ceiling,lag]
//                        [--concurrency=N]   PARLEY_WORKER_CONCURRENCY of the worker processes
//                        [--chunk-size=N --consumer-batch=N --relay-batch=N --relay-idle-ms=N]
//                                            EXPERIMENTS: runtime options the worker's config does
//                                            not expose (see bench/lib/worker-probe.ts)
//
// 1. Throughput: a backlog of --events PostCreated events written straight into the tables with
//    no worker running, then K worker processes (apps/worker/src/main.ts) until every counter is
//    applied. Each K gets a fresh database with the same backlog.
// 2. The ceiling: pg-boss alone on this machine, trivial jobs inserted and consumed in batches
//    (bench/lib/pgboss.ts, CEILING).
// 3. Lag: the API (apps/api/src/main.ts) at a fixed --rate of comments/s, one worker; the time from
//    an event's commit to its counters, per event from the tables and sampled from outside.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { renderMessage } from '../packages/domain/src/index.ts';
import { migrate } from '../packages/data/src/migrate.ts';
import { loadConfig } from '../packages/data/src/index.ts';
import { deadQueue, SIGNALS_QUEUE, type RuntimeOptions } from '../apps/worker/src/signals/runtime.ts';
import { api, args, benchMain, intList, log, machineInfo, onCleanup, pool } from './lib/run.ts';
import { startBenchPostgres, type BenchPostgres } from './lib/postgres.ts';
import { startApp } from './lib/apps.ts';
import type { Proc } from './lib/processes.ts';
import type { WorkerProbeLine } from './lib/worker-probe.ts';
import { fmt } from './lib/load.ts';
import { cpuMeter, waitForQuiet } from './lib/cpu.ts';
import { CEILING, installPgBoss, measureBossCeiling, pgBossVersion, type BossCeiling } from './lib/pgboss.ts';
import { BENCH_MESSAGE, createForumWithThreads, writePostBacklog, type Backlog } from './lib/signal-backlog.ts';
import { runPaced, type PacedResult } from './lib/paced-load.ts';
import { measureLag, type LagFigures } from './lib/signal-lag.ts';

const TARGET_EVENTS_PER_S = 5000;
const TARGET_P99_S = 1;

const a = args(['events', 'workers', 'threads', 'reply-every', 'rate', 'seconds', 'warmup', 'ceiling-jobs', 'skip', 'concurrency',
  'chunk-size', 'consumer-batch', 'relay-batch', 'relay-idle-ms']);
const eventCount = Number(a.get('events') ?? 100_000);
const workerCounts = intList(a.get('workers'), [1, 2]);
const threadCount = Number(a.get('threads') ?? 100);
const replyEvery = Number(a.get('reply-every') ?? 4);
const rate = Number(a.get('rate') ?? 1000);
const seconds = Number(a.get('seconds') ?? 30);
const warmup = Number(a.get('warmup') ?? 5);
const ceilingJobs = Number(a.get('ceiling-jobs') ?? 100_000);
const skip = new Set((a.get('skip') ?? '').split(',').filter(Boolean));
const concurrency = a.get('concurrency');
/** EXPERIMENT: runtime options merged into the worker's SignalRuntime.create by the probe */
const experimentFlags: Record<string, keyof RuntimeOptions> = { 'chunk-size': 'chunkSize', 'consumer-batch': 'consumerBatchSize', 'relay-batch': 'relayBatchSize', 'relay-idle-ms': 'relayIdleMs' };
const experiment = Object.fromEntries(Object.entries(experimentFlags).filter(([flag]) => a.has(flag)).map(([flag, option]) => [option, Number(a.get(flag))])) as Partial<RuntimeOptions>;
const experimenting = Object.keys(experiment).length > 0;
const workerEnv = (url: string) => ({
  DATABASE_URL: url,
  LOG_LEVEL: 'info', // the runtime logs its failures (relay steps, pg-boss errors, dead letters) at info
  ...(concurrency ? { PARLEY_WORKER_CONCURRENCY: concurrency } : {}),
  ...(experimenting ? { BENCH_WORKER_RUNTIME: JSON.stringify(experiment) } : {}),
});
/** the worker's config, as its processes load it from their environment */
const workerConfig = loadConfig({ ...process.env, ...workerEnv('postgres://x@127.0.0.1/x') });
const probe = ['--import', new URL('./lib/worker-probe.ts', import.meta.url).href];
/** the options the runtime passed to work() for the signals queue, as the probe reported them */
let signalsWork: Record<string, unknown> | undefined;
const drainLimitS = 180;
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

interface Throughput {
  workers: number;
  backlog: Backlog;
  seconds: number;
  rate: number;
  startupSeconds: number;
  cores: Record<string, number>;
  /** WAL written while the workers ran, per event */
  walPerEvent: number;
  jobs: string;
  checks: string;
  failures: number;
}

benchMain('bench:worker', 300 + workerCounts.length * (drainLimitS + 180) + 300 + warmup + seconds + 200, async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);
  const pgs = await startBenchPostgres({ log: (l) => log(`postgres: ${l}`) });
  onCleanup(pgs.stop);
  log(`postgres ${pgs.version}: ${Object.entries(pgs.settings).map(([k, v]) => `${k}=${v}`).join(' ')}; pg-boss ${pgBossVersion()}`);
  const html = renderMessage(BENCH_MESSAGE);

  const throughput: Throughput[] = [];
  if (!skip.has('throughput')) {
    for (const k of workerCounts) {
      const url = await freshDatabase(pgs, `parley_w${k}`);
      await installPgBoss(url);
      const c = await connect(url);
      const { forumId, threadIds } = await createForumWithThreads(c, threadCount);
      log(`K=${k}: fresh database, forum ${forumId}, ${threadCount} threads; writing the backlog (no worker running)`);
      const backlog = await writePostBacklog(c, { forumId, threadIds, count: eventCount, batch: 2000, replyEvery, html, log });
      await c.query('ANALYZE'); // what autovacuum would have done by now on a live server
      log(`K=${k}: backlog of ${fmt(backlog.events)} events (${fmt(backlog.replies)} replies) in ${fmt(backlog.seconds, 1)} s; starting ${k} worker process(es)`);
      await pause(1500);
      await waitForQuiet(log, 60);
      throughput.push(await drainBacklog(pgs, c, k, forumId, backlog, url));
      await c.end();
    }
  }

  let ceiling: BossCeiling | undefined;
  if (!skip.has('ceiling')) {
    const url = await freshDatabase(pgs, 'parley_ceiling');
    await installPgBoss(url);
    await waitForQuiet(log);
    const meter = cores(pgs, {});
    ceiling = await measureBossCeiling({ url, jobs: ceilingJobs, deadlineSeconds: 240, log });
    log(`pg-boss ceiling: insert ${fmt(ceiling.insertRate)} jobs/s, work() ${fmt(ceiling.workRate)} jobs/s, both ${fmt(ceiling.passRate)} jobs/s; ${describeCores(meter.end())}`);
  }

  let lag: { load: PacedResult; figures: LagFigures; cores: Record<string, number> } | undefined;
  if (!skip.has('lag')) {
    const url = await freshDatabase(pgs, 'parley_lag');
    await installPgBoss(url);
    const adminToken = `pat_${randomBytes(24).toString('hex')}`;
    const server = await startApp('api', {
      env: { DATABASE_URL: url, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: '16' },
    });
    onCleanup(server.stop);
    const { forum } = await api<{ forum: { id: string } }>(server.url, 'POST', '/v1/forums', { slug: 'bench', name: 'Bench' }, adminToken);
    const threadIds: string[] = new Array(threadCount);
    await pool([...Array(threadCount).keys()], 8, async (i) => {
      const { thread } = await api<{ thread: { id: string } }>(server.url, 'POST', '/v1/forums/bench/threads', { identifier: `bench-${i}`, title: `Bench thread ${i}` });
      threadIds[i] = thread.id;
    });
    const worker = await startWorker('worker', url);
    log(`lag: api ${server.url} (pid ${server.pid}), worker pid ${worker.pid}, forum ${forum.id}, ${threadCount} threads`);
    const c = await connect(url);
    const body = JSON.stringify({ message: BENCH_MESSAGE, author: { name: 'Bench Guest', email: 'guest@example.com' } });
    const paced = (label: string, s: number, okAt?: number[]) => runPaced({
      label, url: server.url, rate, seconds: s, body, maxInFlight: 64, log, okAt,
      path: () => `/v1/threads/${threadIds[Math.floor(Math.random() * threadIds.length)]}/posts`,
    });
    await paced('lag warm-up', warmup);
    await pause(1500);
    await waitForQuiet(log, 90);
    const meter = cores(pgs, { api: [server.pid], worker: [worker.pid] });
    let used: Record<string, number> | undefined;
    const figures = await measureLag({
      c, forumId: forum.id, drainLimitS: 60, log,
      run: (okAt) => paced(`lag ${fmt(rate)}/s`, seconds, okAt),
      atLoadEnd: () => (used = meter.end()),
    });
    lag = { load: figures.load, figures, cores: used! };
    await c.end();
    await worker.stop();
    await server.stop();
  }

  // ---- summary ----
  const line = (s = '') => process.stdout.write(`${s}\n`);
  const verdict = (ok: boolean, miss: string) => (ok ? 'MET' : `MISSED (${miss})`);
  line();
  line(`== bench:worker summary, ${new Date().toISOString()} ==`);
  line(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${pgs.version}, pg-boss ${pgBossVersion()}`);
  line(`postgres: ${Object.entries(pgs.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  line(`worker: apps/worker/src/main.ts, ${experimenting ? `EXPERIMENT runtime options ${JSON.stringify(experiment)} over the runtime's defaults` : 'the runtime\'s defaults'}, ` +
    `PARLEY_WORKER_CONCURRENCY=${workerConfig.workerConcurrency}${concurrency ? '' : ' (default)'}; ${threadCount} threads`);
  line(`    ${SIGNALS_QUEUE} work() options, as the runtime passed them: ${signalsWork ? JSON.stringify(signalsWork) : '(no worker ran)'}`);
  for (const t of throughput) {
    line(`backlog, ${t.workers} worker process(es): ${fmt(t.backlog.events)} PostCreated events (${fmt(t.backlog.replies)} replies) applied in ${fmt(t.seconds, 1)} s = ` +
      `${fmt(t.rate)} events/s (worker start-up ${fmt(t.startupSeconds, 1)} s not counted); failures logged ${t.failures}`);
    line(`    cores: ${describeCores(t.cores)}; per event: worker CPU ${fmt((t.cores.worker / t.rate) * 1e6)} µs, postgres CPU ${fmt((t.cores.postgres / t.rate) * 1e6)} µs`);
    line(`    WAL ${fmt(t.walPerEvent)} bytes per event; ${t.jobs}`);
    line(`    checks: ${t.checks}`);
  }
  if (ceiling) {
    line(`pg-boss ceiling (${fmt(ceiling.jobs)} trivial jobs, pool ${JSON.stringify(CEILING.pool)}, ${CEILING.insertBatch} per insert()): insert ${fmt(ceiling.insertRate)} jobs/s (${fmt(ceiling.insertSeconds, 1)} s), ` +
      `work(${JSON.stringify(CEILING.work)}) ${fmt(ceiling.workRate)} jobs/s (${fmt(ceiling.workSeconds, 1)} s), insert + work ${fmt(ceiling.passRate)} jobs/s`);
    for (const t of throughput) line(`    ratio worker events/s (K=${t.workers}) / pg-boss jobs/s (insert + work): ${fmt(t.rate / ceiling.passRate, 2)}`);
  }
  for (const t of throughput) {
    line(`events/s, ${t.workers} worker(s): ${fmt(t.rate)}  target ≥ ${fmt(TARGET_EVENTS_PER_S)}: ${verdict(t.rate >= TARGET_EVENTS_PER_S, `by ${fmt((1 - t.rate / TARGET_EVENTS_PER_S) * 100)}%`)}`);
  }
  if (lag) {
    const { load, figures: f } = lag;
    line(`lag, one worker, ${fmt(rate)} comments/s offered for ${seconds} s: ${fmt(load.rate)} comments/s written (${fmt(load.ok)} ok, ${load.failed} failed, ${load.skipped} skipped), ` +
      `POST p50 ${fmt(load.p50, 1)} ms, p99 ${fmt(load.p99, 1)} ms`);
    line(`    per event (applied_events.applied_at − events.at, ${fmt(f.perEvent.n)} events): p50 ${fmt(f.perEvent.p50 * 1000)} ms, p99 ${fmt(f.perEvent.p99 * 1000)} ms, max ${fmt(f.perEvent.max * 1000)} ms`);
    if (f.breakdown) line(`    of which (p50 / p99): commit → relayed into a job ${f.breakdown}`);
    if (f.jobs) line(`    signals jobs made during the window: ${fmt(f.jobs.count)}, ${fmt(f.jobs.eventsPerJob, 1)} events per job on average`);
    line(`    sampled every 100 ms from outside until caught up (age of the oldest acknowledged comment not yet in forums.post_count, ${fmt(f.sampled.n)} samples): ` +
      `p50 ${fmt(f.sampled.p50)} ms, p99 ${fmt(f.sampled.p99)} ms, max ${fmt(f.sampled.max)} ms`);
    line(`    caught up ${fmt(f.drainSeconds, 1)} s after the load ended; cores: ${describeCores(lag.cores)}`);
    line(`lag p99 (per event, at ${fmt(load.rate)} comments/s written): ${fmt(f.perEvent.p99 * 1000)} ms  target ≤ ${fmt(TARGET_P99_S * 1000)} ms: ` +
      `${verdict(f.perEvent.p99 <= TARGET_P99_S, `by ${fmt((f.perEvent.p99 / TARGET_P99_S - 1) * 100)}%`)}` +
      `${load.rate < rate * 0.95 ? ` — NOTE: the API wrote only ${fmt(load.rate)} of the ${fmt(rate)} comments/s offered` : ''}`);
  }
  if (experimenting) line(`NOTE: EXPERIMENT: the worker runtime ran with ${JSON.stringify(experiment)}, not Parley's defaults.`);
});

/**
 * A worker process (apps/worker/src/main.ts with the probe preloaded) on the database at `url`;
 * the log lines that say something failed (relay steps, pg-boss errors, dead-lettered events) are
 * passed on and counted.
 */
async function startWorker(name: string, url: string): Promise<Proc & { failures: string[] }> {
  const failures: string[] = [];
  const p = await startApp('worker', {
    name,
    env: workerEnv(url),
    nodeFlags: probe,
    graceMs: 15_000,
    onLine: (line) => {
      if (line.startsWith('{"workerProbe"')) return void (signalsWork ??= (JSON.parse(line) as WorkerProbeLine).workerProbe.signalsWork);
      const msg = logMessage(line);
      if (/fail|error|dead-letter/i.test(msg)) {
        failures.push(msg);
        if (failures.length <= 20) log(`${name}: ${msg}`);
      }
    },
  });
  onCleanup(p.stop);
  return { ...p, failures };
}

/** The message of a log line (the processes log JSON lines through pino), or the line itself. */
function logMessage(line: string): string {
  try {
    const { msg, err } = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return [msg, err?.message].filter(Boolean).join(': ') || line;
  } catch {
    return line;
  }
}

async function drainBacklog(pgs: BenchPostgres, c: pg.Client, k: number, forumId: string, backlog: Backlog, url: string): Promise<Throughput> {
  const walBefore = (await c.query(`SELECT pg_current_wal_lsn() AS lsn`)).rows[0].lsn as string;
  const t0 = performance.now();
  const workers = await Promise.all(Array.from({ length: k }, (_, i) => startWorker(`worker ${i + 1}/${k}`, url)));
  const ready = performance.now();
  const meter = cores(pgs, { worker: workers.map((w) => w.pid) });
  log(`K=${k}: ${k} worker(s) ready in ${fmt((ready - t0) / 1000, 1)} s (pids ${workers.map((w) => w.pid).join(', ')})`);
  let last = { at: ready, n: 0 };
  let doneAt = 0;
  for (;;) {
    const [r] = (await c.query(`SELECT (SELECT post_count FROM forums WHERE id = $1) AS forum,
        (SELECT sum(post_count) FROM threads WHERE forum_id = $1)::int AS content,
        (SELECT event_id FROM relay_cursor WHERE name = 'signals:0') AS cursor,
        (SELECT count(*) FILTER (WHERE state = 'created') || ' queued, ' || count(*) FILTER (WHERE state = 'active') || ' active'
           FROM pgboss.job WHERE name = $2) AS jobs`, [forumId, SIGNALS_QUEUE])).rows as { forum: number; content: number; cursor: string | null; jobs: string }[];
    const now = performance.now();
    // the handler's last step (accounts) claims every event too, even for guests
    if (r.forum >= backlog.events && r.content >= backlog.events &&
        (await c.query(`SELECT count(*)::int AS n FROM applied_events WHERE handler = 'counters:accounts'`)).rows[0].n >= backlog.events) {
      doneAt = now;
      break;
    }
    if (now - last.at >= 2000) {
      const relayed = r.cursor ? Math.max(0, Number(BigInt(r.cursor) - BigInt(backlog.firstEventId) + 1n)) : 0;
      log(`K=${k}: ${fmt(r.content)} / ${fmt(backlog.events)} events counted (threads), ${fmt(r.forum)} (forum), ` +
        `${fmt(((r.forum - last.n) * 1000) / (now - last.at))}/s over the last ${fmt((now - last.at) / 1000)} s; relayed ${fmt(Math.min(relayed, backlog.events))}; signals jobs ${r.jobs}`);
      last = { at: now, n: r.forum };
    }
    if (now - ready > drainLimitS * 1000) throw new Error(`K=${k}: backlog not applied within ${drainLimitS} s (${r.forum} of ${backlog.events})`);
    await pause(100);
  }
  const used = meter.end();
  const secondsTaken = (doneAt - ready) / 1000;
  log(`K=${k}: all ${fmt(backlog.events)} events counted in ${fmt(secondsTaken, 1)} s = ${fmt(backlog.events / secondsTaken)} events/s; ${describeCores(used)}`);
  const wal = Number((await c.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS b`, [walBefore])).rows[0].b);
  const j = (await c.query(`SELECT count(*)::int AS n, avg(jsonb_array_length(data->'events'))::float8 AS events, avg(pg_column_size(data))::float8 AS bytes
    FROM pgboss.job WHERE name = $1`, [SIGNALS_QUEUE])).rows[0];
  const jobs = `${fmt(j.n)} signals jobs, ${fmt(j.events)} events and ${fmt(j.bytes / 1024)} KB of job data (jsonb, as stored) each`;
  log(`K=${k}: WAL ${fmt(wal / 2 ** 20)} MiB while the workers ran (${fmt(wal / backlog.events)} bytes per event); ${jobs}`);
  const checks = await checkCounters(c, forumId, backlog);
  log(`K=${k}: ${checks}`);
  const failures = workers.reduce((n, w) => n + w.failures.length, 0);
  await Promise.all(workers.map((w) => w.stop()));
  return { workers: k, backlog, seconds: secondsTaken, rate: backlog.events / secondsTaken, startupSeconds: (ready - t0) / 1000, cores: used, checks, failures, walPerEvent: wal / backlog.events, jobs };
}

async function checkCounters(c: pg.Client, forumId: string, backlog: Backlog): Promise<string> {
  const { rows } = await c.query(`SELECT handler, count(*)::int AS n FROM applied_events GROUP BY handler ORDER BY handler`);
  const [r] = (await c.query(`SELECT (SELECT sum(reply_count) FROM posts WHERE forum_id = $1)::int AS replies,
      (SELECT count(*) FROM pgboss.job WHERE name = $2)::int AS dead,
      (SELECT count(*) FROM threads WHERE forum_id = $1 AND post_count <> last_seq - 1)::int AS off`, [forumId, deadQueue(SIGNALS_QUEUE)])).rows;
  const applied = rows.map((x) => `${x.handler} ${fmt(x.n)}`).join(', ');
  const counters = rows.filter((x) => String(x.handler).startsWith('counters:'));
  const ok = counters.length === 3 && counters.every((x) => x.n === backlog.events) && r.replies === backlog.replies && r.dead === 0 && r.off === 0;
  return `${ok ? 'OK' : 'MISMATCH'}: applied_events ${applied}; reply_count sum ${fmt(r.replies)} (expected ${fmt(backlog.replies)}); ` +
    `threads whose post_count ≠ last_seq − 1: ${r.off}; dead-lettered ${r.dead}`;
}

async function freshDatabase(pgs: BenchPostgres, name: string): Promise<string> {
  await pgs.query(`DROP DATABASE IF EXISTS ${name}`);
  await pgs.query(`CREATE DATABASE ${name}`);
  const url = new URL(pgs.url);
  url.pathname = `/${name}`;
  await migrate(url.toString(), () => {});
  return url.toString();
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'parley:bench' });
  await c.connect();
  onCleanup(async () => {
    await c.end().catch(() => {});
  });
  return c;
}

/** Cores used from now until `end()`: each named group of processes, all of Postgres, this process, the machine. */
function cores(pgs: BenchPostgres, groups: Record<string, number[]>): { end(): Record<string, number> } {
  return cpuMeter({ ...groups, bench: [process.pid] }, pgs.postmasterPid);
}

const describeCores = (c: Record<string, number>) =>
  Object.entries(c).filter(([n]) => n !== 'machine').map(([n, v]) => `${n === 'bench' ? 'bench process' : n === 'other' ? 'other processes' : n} ${fmt(v, 2)}`).join(', ') +
  `; machine ${fmt(c.machine, 2)} of ${machineInfo().cpus}`;
