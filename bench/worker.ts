// `pnpm bench:worker`: how fast the worker tier turns the event log into counters.
//
//   node bench/worker.ts [--events=100000] [--workers=1,2] [--threads=100] [--reply-every=4]
//                        [--rate=1000] [--seconds=30] [--warmup=5] [--ceiling-jobs=100000]
//                        [--skip=throughput,ceiling,lag]
//                        [--concurrency=N]   PARLEY_WORKER_CONCURRENCY of the worker processes
//                        [--chunk-size=N --consumer-batch=N --relay-batch=N --relay-idle-ms=N --burst]
//                                            EXPERIMENTS: runtime options startWorker does not expose
//                                            (see bench/lib/worker-process.ts)
//
// 1. Throughput: a backlog of --events PostCreated events written straight into the tables with
//    no worker running, then K worker processes (bench/lib/worker-process.ts, `startWorker`) until
//    every counter is applied. Each K gets a fresh database with the same backlog.
// 2. The ceiling: pg-boss alone on this machine, jobs inserted and consumed in batches of 100.
// 3. Lag: the API in its own process at a fixed --rate of comments/s, one worker; the time from
//    an event's commit to its counters, per event from the tables and sampled from outside.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { renderMessage } from '../packages/domain/src/index.ts';
import { migrate } from '../packages/data/src/migrate.ts';
import { api, args, benchMain, intList, log, machineInfo, onCleanup, pool } from './lib/run.ts';
import { startBenchPostgres, type BenchPostgres } from './lib/postgres.ts';
import { spawnServer } from './lib/child.ts';
import { fmt } from './lib/load.ts';
import { sampleCpu, waitForQuiet } from './lib/cpu.ts';
import { spawnWorker, type WorkerChild } from './lib/worker-child.ts';
import { installPgBoss, measureBossCeiling, pgBossVersion, type BossCeiling } from './lib/pgboss.ts';
import { BENCH_MESSAGE, createForumWithThreads, writePostBacklog, type Backlog } from './lib/signal-backlog.ts';
import { runPaced, type PacedResult } from './lib/paced-load.ts';
import { measureLag, type LagFigures } from './lib/signal-lag.ts';

const TARGET_EVENTS_PER_S = 5000;
const TARGET_P99_S = 1;

const a = args();
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
const experimentArgs = [
  ...['chunk-size', 'consumer-batch', 'relay-batch', 'relay-idle-ms'].filter((k) => a.has(k)).map((k) => `--${k}=${a.get(k)}`),
  ...(a.has('burst') ? ['--burst'] : []),
];
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
  const workerEnv = (url: string) => ({ DATABASE_URL: url, LOG_LEVEL: 'silent', ...(concurrency ? { PARLEY_WORKER_CONCURRENCY: concurrency } : {}) });
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
      throughput.push(await drainBacklog(pgs, c, k, forumId, backlog, workerEnv(url)));
      await c.end();
    }
  }

  let ceiling: BossCeiling | undefined;
  if (!skip.has('ceiling')) {
    const url = await freshDatabase(pgs, 'parley_ceiling');
    await installPgBoss(url);
    await waitForQuiet(log);
    const before = sample(pgs, {});
    ceiling = await measureBossCeiling({ url, jobs: ceilingJobs, batch: 100, concurrency: 2, politeJobs: 400, deadlineSeconds: 240, log });
    const cores = coresBetween(before, sample(pgs, {}));
    log(`pg-boss ceiling: insert ${fmt(ceiling.insertRate)} jobs/s, work() ${fmt(ceiling.workRate)} jobs/s, both ${fmt(ceiling.passRate)} jobs/s; ` +
      `work() as the runtime sets it ${fmt(ceiling.politeRate)} jobs/s; ${describeCores(cores)}`);
  }

  let lag: { load: PacedResult; figures: LagFigures; cores: Record<string, number> } | undefined;
  if (!skip.has('lag')) {
    const url = await freshDatabase(pgs, 'parley_lag');
    await installPgBoss(url);
    const adminToken = `pat_${randomBytes(24).toString('hex')}`;
    const server = await spawnServer(new URL('./lib/api-server.ts', import.meta.url), [], {
      PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent',
      PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: '16',
    });
    onCleanup(server.stop);
    const { forum } = await api<{ forum: { id: string } }>(server.url, 'POST', '/v1/forums', { slug: 'bench', name: 'Bench' }, adminToken);
    const threadIds: string[] = new Array(threadCount);
    await pool([...Array(threadCount).keys()], 8, async (i) => {
      const { thread } = await api<{ thread: { id: string } }>(server.url, 'POST', '/v1/forums/bench/threads', { identifier: `bench-${i}`, title: `Bench thread ${i}` });
      threadIds[i] = thread.id;
    });
    const worker = await spawnWorker({ name: 'worker', env: workerEnv(url), args: experimentArgs, log });
    onCleanup(worker.stop);
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
    const before = sample(pgs, { api: [server.pid], worker: [worker.pid] });
    let after: Sample | undefined;
    const figures = await measureLag({
      c, forumId: forum.id, drainLimitS: 60, log,
      run: (okAt) => paced(`lag ${fmt(rate)}/s`, seconds, okAt),
      atLoadEnd: () => (after = sample(pgs, { api: [server.pid], worker: [worker.pid] })),
    });
    const cores = coresBetween(before, after!);
    lag = { load: figures.load, figures, cores };
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
  line(`worker: ${experimentArgs.length ? `EXPERIMENT ${experimentArgs.join(' ')}, ` : 'runtime defaults (chunkSize 200, consumerBatchSize 50, relayBatchSize 2000, relayIdleMs 50, burst), '}` +
    `PARLEY_WORKER_CONCURRENCY=${concurrency ?? 'default (2)'}; ${threadCount} threads`);
  for (const t of throughput) {
    line(`backlog, ${t.workers} worker process(es): ${fmt(t.backlog.events)} PostCreated events (${fmt(t.backlog.replies)} replies) applied in ${fmt(t.seconds, 1)} s = ` +
      `${fmt(t.rate)} events/s (worker start-up ${fmt(t.startupSeconds, 1)} s not counted); failures logged ${t.failures}`);
    line(`    cores: ${describeCores(t.cores)}; per event: worker CPU ${fmt((t.cores.worker / t.rate) * 1e6)} µs, postgres CPU ${fmt((t.cores.postgres / t.rate) * 1e6)} µs`);
    line(`    WAL ${fmt(t.walPerEvent)} bytes per event; ${t.jobs}`);
    line(`    checks: ${t.checks}`);
  }
  if (ceiling) {
    line(`pg-boss ceiling (${fmt(ceiling.jobs)} trivial jobs, batches of ${ceiling.batch}): insert ${fmt(ceiling.insertRate)} jobs/s (${fmt(ceiling.insertSeconds, 1)} s), ` +
      `work({ batchSize: ${ceiling.batch}, localConcurrency: 2, burstWhenBatchFull: true }) ${fmt(ceiling.workRate)} jobs/s (${fmt(ceiling.workSeconds, 1)} s), insert + work ${fmt(ceiling.passRate)} jobs/s`);
    line(`    work() as the runtime sets it for signals (batchSize 10, localConcurrency 2, pollingIntervalSeconds 0.5, no burst), ${fmt(ceiling.politeJobs)} jobs: ${fmt(ceiling.politeRate)} jobs/s`);
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
  if (experimentArgs.length) line(`NOTE: EXPERIMENT: the worker runtime ran with ${experimentArgs.join(' ')}, not Parley's defaults.`);
});

async function drainBacklog(pgs: BenchPostgres, c: pg.Client, k: number, forumId: string, backlog: Backlog, env: Record<string, string>): Promise<Throughput> {
  const walBefore = (await c.query(`SELECT pg_current_wal_lsn() AS lsn`)).rows[0].lsn as string;
  const t0 = performance.now();
  const workers: WorkerChild[] = await Promise.all(Array.from({ length: k }, (_, i) =>
    spawnWorker({ name: `worker ${i + 1}/${k}`, env, args: experimentArgs, log }).then((w) => {
      onCleanup(w.stop);
      return w;
    })));
  const ready = performance.now();
  const before = sample(pgs, { worker: workers.map((w) => w.pid) });
  log(`K=${k}: ${k} worker(s) ready in ${fmt((ready - t0) / 1000, 1)} s (pids ${workers.map((w) => w.pid).join(', ')})`);
  let last = { at: ready, n: 0 };
  let doneAt = 0;
  for (;;) {
    const [r] = (await c.query(`SELECT (SELECT post_count FROM forums WHERE id = $1) AS forum,
        (SELECT sum(post_count) FROM threads WHERE forum_id = $1)::int AS content,
        (SELECT event_id FROM relay_cursor WHERE name = 'signals:0') AS cursor,
        (SELECT count(*) FILTER (WHERE state = 'created') || ' queued, ' || count(*) FILTER (WHERE state = 'active') || ' active'
           FROM pgboss.job WHERE name = 'parley.signals') AS jobs`, [forumId])).rows as { forum: number; content: number; cursor: string | null; jobs: string }[];
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
  const cores = coresBetween(before, sample(pgs, { worker: workers.map((w) => w.pid) }));
  const secondsTaken = (doneAt - ready) / 1000;
  log(`K=${k}: all ${fmt(backlog.events)} events counted in ${fmt(secondsTaken, 1)} s = ${fmt(backlog.events / secondsTaken)} events/s; ${describeCores(cores)}`);
  const wal = Number((await c.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS b`, [walBefore])).rows[0].b);
  const j = (await c.query(`SELECT count(*)::int AS n, avg(jsonb_array_length(data->'events'))::float8 AS events, avg(pg_column_size(data))::float8 AS bytes
    FROM pgboss.job WHERE name = 'parley.signals'`)).rows[0];
  const jobs = `${fmt(j.n)} signals jobs, ${fmt(j.events)} events and ${fmt(j.bytes / 1024)} KB of job data (jsonb, as stored) each`;
  log(`K=${k}: WAL ${fmt(wal / 2 ** 20)} MiB while the workers ran (${fmt(wal / backlog.events)} bytes per event); ${jobs}`);
  const checks = await checkCounters(c, forumId, backlog);
  log(`K=${k}: ${checks}`);
  const failures = workers.reduce((n, w) => n + w.failures.length, 0);
  await Promise.all(workers.map((w) => w.stop()));
  return { workers: k, backlog, seconds: secondsTaken, rate: backlog.events / secondsTaken, startupSeconds: (ready - t0) / 1000, cores, checks, failures, walPerEvent: wal / backlog.events, jobs };
}

async function checkCounters(c: pg.Client, forumId: string, backlog: Backlog): Promise<string> {
  const { rows } = await c.query(`SELECT handler, count(*)::int AS n FROM applied_events GROUP BY handler ORDER BY handler`);
  const [r] = (await c.query(`SELECT (SELECT sum(reply_count) FROM posts WHERE forum_id = $1)::int AS replies,
      (SELECT count(*) FROM pgboss.job WHERE name = 'parley.signals.dead')::int AS dead,
      (SELECT count(*) FROM threads WHERE forum_id = $1 AND post_count <> last_seq - 1)::int AS off`, [forumId])).rows;
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

interface Sample {
  at: number;
  procs: Record<string, number>;
  postgres: number;
  bench: number;
  machine: number;
}

/** CPU seconds so far: each named group of processes, all of Postgres, this process, the machine. */
function sample(pgs: BenchPostgres, groups: Record<string, number[]>): Sample {
  const base = sampleCpu({ postmaster: pgs.postmasterPid });
  const procs: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) procs[name] = pids.reduce((s, pid) => s + sampleCpu({ api: pid }).api, 0);
  return { at: base.at, procs, postgres: base.postgres, bench: base.self, machine: base.machine };
}

function coresBetween(x: Sample, y: Sample): Record<string, number> {
  const s = (y.at - x.at) / 1000;
  const out: Record<string, number> = {};
  for (const name of Object.keys(y.procs)) out[name] = (y.procs[name] - (x.procs[name] ?? 0)) / s;
  out.postgres = (y.postgres - x.postgres) / s;
  out.bench = (y.bench - x.bench) / s;
  out.machine = (y.machine - x.machine) / s;
  const ours = Object.entries(out).filter(([n]) => n !== 'machine').reduce((t, [, v]) => t + v, 0);
  out.other = Math.max(0, out.machine - ours);
  return out;
}

const describeCores = (c: Record<string, number>) =>
  Object.entries(c).filter(([n]) => n !== 'machine').map(([n, v]) => `${n === 'bench' ? 'bench process' : n === 'other' ? 'other processes' : n} ${fmt(v, 2)}`).join(', ') +
  `; machine ${fmt(c.machine, 2)} of ${machineInfo().cpus}`;
