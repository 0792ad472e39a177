// `pnpm bench:write`: how many comments per second the API accepts, beside the ceiling of the
// same SQL run by pgbench against the same database in the same run.
//
//   node bench/write.ts [--connections=32,64] [--seconds=20] [--warmup=5] [--threads=100]
//                       [--pool=16] [--pgbench-clients=16] [--synchronous-commit=off]
//                       [--named-statements]   (an experiment: see lib/named-statements.ts)
//                       [--pgbouncer]   the API and pgbench both through pgbouncer (transaction
//                                       pooling, Debian's 1.18): unnamed statements, pgbench -M extended
//                       [--rules-seconds=10] [--rules-connections=32]   the moderation rules on vs
//                                       off (lib/write-rules.ts); 0 skips it
//                       [--rules-no-link]   the rules phase's comments carry no link (the default
//                                       rules then publish a new commenter's comment)
//
// The main forum runs with every moderation phase off, as comments were written before issue 15;
// the rules phase compares the default rules with none, in the same run.
//
// pgbench runs the API's own comment transaction (BEGIN; insert; sequence + event; COMMIT),
// -M prepared as the API sends it, at 16 clients and at each HTTP connection count: that is the
// ceiling for the targets.
//
// Postgres runs with its defaults (fsync, synchronous_commit, full_page_writes on) unless
// --synchronous-commit=off is given, which the summary then says on every line.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { renderMessage } from '../packages/domain/src/index.ts';
import { postColumns } from '../packages/data/src/index.ts';
import { api, args, benchMain, intList, log, machineInfo, onCleanup, pool } from './lib/run.ts';
import { startBenchPostgres } from './lib/postgres.ts';
import { freePort } from '../scripts/lib/free-port.ts';
import { startPgbouncer } from '../scripts/lib/pgbouncer.ts';
import { PARLEY_NODE_FLAGS, startApp } from './lib/apps.ts';
import { describeLoad, fmt, runLoad, type LoadResult } from './lib/load.ts';
import { findPgbench, installHint, pgbenchVersion, runPgbench, type PgbenchResult } from './lib/pgbench.ts';
import { writeCommentScript } from './lib/comment-sql.ts';
import { statementsPerRequest } from './lib/query-count.ts';
import { coresUsed, sampleCpu, waitForQuiet, type CoresUsed, type CpuSample } from './lib/cpu.ts';
import { BENCH_MESSAGE } from './lib/message.ts';
import { allPhasesOff, guestComment, rulesOnVsOff, rulesSummary, type RulesResult } from './lib/write-rules.ts';

const TARGET_RATE = 2000;
const TARGET_RATIO = 0.5;

export const MESSAGE = BENCH_MESSAGE;

const a = args(['connections', 'seconds', 'warmup', 'threads', 'pool', 'synchronous-commit', 'pgbench-clients', 'named-statements', 'pgbouncer', 'rules-seconds', 'rules-connections', 'rules-no-link']);
const viaPgbouncer = a.has('pgbouncer');
const connections = intList(a.get('connections'), [32, 64]);
const seconds = Number(a.get('seconds') ?? 20);
const warmup = Number(a.get('warmup') ?? 5);
const threadCount = Number(a.get('threads') ?? 100);
const poolSize = Number(a.get('pool') ?? 16);
const syncCommit = a.get('synchronous-commit') === 'off' ? 'off' : 'on';
const pgbenchClients = [...new Set([...intList(a.get('pgbench-clients'), [16]), ...connections])];
/** experiment: the API process sends named (prepared) statements; see lib/named-statements.ts */
const namedStatements = a.has('named-statements');
const apiFlags = namedStatements ? ['--import', new URL('./lib/named-statements.ts', import.meta.url).href] : [];
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const rulesSeconds = Number(a.get('rules-seconds') ?? 10);
const rulesConnections = Number(a.get('rules-connections') ?? 32);

benchMain('bench:write', 180 + warmup + (2 * connections.length + pgbenchClients.length) * (seconds + 70) + (rulesSeconds > 0 ? 4 * (rulesSeconds + 35) + 120 : 0), async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);

  const pg = await startBenchPostgres({ synchronousCommit: syncCommit, log: (l) => log(`postgres: ${l}`) });
  onCleanup(pg.stop);
  log(`postgres ${pg.version}: ${Object.entries(pg.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);

  const adminToken = `pat_${randomBytes(24).toString('hex')}`;
  // --pgbouncer: pgbouncer in front of the database; the API reaches it through a topology file
  // naming it (so the router sends unnamed statements there), and pgbench goes through it too
  let database: Record<string, string> = { DATABASE_URL: pg.url };
  let pgbenchUrl = pg.url;
  if (viaPgbouncer) {
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-pgbouncer-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const bouncer = await startPgbouncer({ serverUrl: pg.url, dir, port: await freePort(), poolSize });
    onCleanup(() => bouncer.stop());
    pgbenchUrl = bouncer.url(pg.url);
    const nodes = { primary: pg.url, pgbouncer: pgbenchUrl };
    const file = join(dir, 'topology.json');
    await writeFile(file, JSON.stringify({ accounts: nodes, content: { '0': nodes } }));
    database = { PARLEY_TOPOLOGY: file, DATABASE_URL: '' };
    log(`pgbouncer 1.18 (transaction pooling, default_pool_size ${poolSize}) on port ${bouncer.port}`);
  }
  const server = await startApp('api', {
    nodeFlags: apiFlags,
    // the rules on: the main forum turns every phase off itself, the rules phase compares both
    env: { ...database, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: String(poolSize), PARLEY_MODERATION_RULES: 'true' },
  });
  onCleanup(server.stop);
  log(`api: ${server.url} (pid ${server.pid}, PARLEY_DB_POOL_SIZE=${poolSize}${namedStatements ? ', EXPERIMENT: named prepared statements' : ''})`);

  const { forum } = await api<{ forum: { id: string } }>(server.url, 'POST', '/v1/forums', { slug: 'bench', name: 'Bench', settings: { moderation: allPhasesOff } }, adminToken);
  const threadIds: string[] = new Array(threadCount);
  await pool([...Array(threadCount).keys()], 8, async (i) => {
    const { thread } = await api<{ thread: { id: string } }>(server.url, 'POST', '/v1/forums/bench/threads', { identifier: `bench-${i}`, title: `Bench thread ${i}` });
    threadIds[i] = thread.id;
  });
  log(`setup: forum ${forum.id}, ${threadCount} threads`);
  await pg.query('ANALYZE'); // what autovacuum would have done by now on a live server

  const author = { name: 'Bench Guest', email: 'guest@example.com' };
  const body = JSON.stringify({ message: MESSAGE, author });
  const randomThreadPath = () => `/v1/threads/${threadIds[Math.floor(Math.random() * threadIds.length)]}/posts`;
  await api(server.url, 'POST', randomThreadPath(), { message: MESSAGE, author }, undefined, [201]);

  const [perComment] = await statementsPerRequest(pg.url, [{ label: 'POST comment', method: 'POST', url: randomThreadPath(), body: { message: MESSAGE, author } }]);
  log(`statements per comment (steady state, status ${perComment.status}): ${perComment.statements.length}`);
  for (const q of perComment.statements) log(`  ${q}`);
  const renderUs = timeRender();
  log(`renderMessage of the bench message: ${fmt(renderUs, 1)} µs per call (in this process)`);

  const load = (label: string, c: number, s: number) =>
    runLoad({ label, url: server.url, connections: c, seconds: s, method: 'POST', body, headers: { 'content-type': 'application/json' }, path: randomThreadPath, log });

  log(`warm-up: ${warmup} s at ${Math.max(...connections)} connections`);
  await load('warm-up', Math.max(...connections), warmup);

  const http: { r: LoadResult; cpu: CoresUsed; xactsPerComment: number }[] = [];
  for (const c of connections) {
    await pause(1500); // let idle backends flush their statistics before the "before" reading
    await waitForQuiet(log);
    const before = await phaseStart(pg.query, server.pid, pg.postmasterPid);
    const r = await load(`http ${c} conns`, c, seconds);
    const cpuAfter = sampleCpu({ api: server.pid, postmaster: pg.postmasterPid });
    await pause(2000);
    const xacts = (await xactCount(pg.query)) - before.xacts;
    http.push({ r, cpu: coresUsed(before.cpu, cpuAfter), xactsPerComment: xacts / Math.max(1, r.ok) });
    log(`http ${c} conns: ${describeLoad(r, 'comments/s')}`);
  }

  let rules: RulesResult | undefined;
  let rulesStatements: string[] = [];
  if (rulesSeconds > 0) {
    rules = await rulesOnVsOff({ url: server.url, adminToken, apiPid: server.pid, postmasterPid: pg.postmasterPid, connections: rulesConnections, seconds: rulesSeconds, threads: threadCount, query: pg.query, noLink: a.has('rules-no-link') });
    const { thread } = await api<{ thread: { id: string } }>(server.url, 'POST', '/v1/forums/bench-rules-on/threads', { identifier: 'rules-count', title: 'Counted' });
    const [counted] = await statementsPerRequest(pg.url, [{ label: 'POST comment, rules on', method: 'POST', url: `/v1/threads/${thread.id}/posts`, body: JSON.parse(guestComment()) }]);
    rulesStatements = counted.statements;
    log(`statements per comment with the default rules (status ${counted.status}): ${rulesStatements.length}`);
    for (const q of rulesStatements) log(`  ${q}`);
  }

  const bin = findPgbench();
  const pgb: { r: PgbenchResult; cpu: CoresUsed }[] = [];
  let pgbenchInfo = 'not found';
  let snapshotBytes = 0;
  if (!bin) {
    log(installHint);
  } else {
    pgbenchInfo = `${await pgbenchVersion(bin)} (${bin})`;
    const [sample] = await pg.query(`SELECT ${postColumns} FROM posts ORDER BY id DESC LIMIT 1`);
    const scriptOpts = { samplePost: sample, threadIds, forumId: forum.id, authorName: author.name, authorEmail: author.email, message: MESSAGE, html: renderMessage(MESSAGE) };
    const tx = await writeCommentScript(join(tmpdir(), `parley-bench-comment-${process.pid}.sql`), scriptOpts);
    onCleanup(async () => {
      await rm(tx.file, { force: true });
    });
    snapshotBytes = tx.snapshotBytes;
    log(`pgbench: ${pgbenchInfo}; script ${tx.file} (event snapshot ${snapshotBytes} bytes)`);
    // The ceiling: the API's own transaction (BEGIN; insert; event; COMMIT), prepared, as the API
    // now sends it, at pgbench's client count and at each HTTP connection count.
    // through pgbouncer 1.18 in transaction pooling there are no prepared statements
    const mode = viaPgbouncer ? 'extended' : 'prepared';
    for (const c of pgbenchClients) {
      await pause(1500);
      await waitForQuiet(log);
      const label = `pgbench tx -M ${mode} ${c} clients`;
      const cpuBefore = sampleCpu({ api: server.pid, postmaster: pg.postmasterPid });
      const r = await runPgbench({ bin, scriptFile: tx.file, url: pgbenchUrl, clients: c, threads: 2, seconds, vars: tx.vars, log, label, mode });
      pgb.push({ r, cpu: coresUsed(cpuBefore, sampleCpu({ api: server.pid, postmaster: pg.postmasterPid })) });
      log(`${label}: ${fmt(r.tps)} tx/s, latency avg ${fmt(r.latencyMs, 2)} ms, ${fmt(r.transactions)} tx, ${r.failed} failed`);
    }
  }

  // ---- summary ----
  const line = (s = '') => process.stdout.write(`${s}\n`);
  const cores = (c: CoresUsed, withApi = true) =>
    `${withApi ? `api ${fmt(c.api, 2)}, ` : ''}postgres ${fmt(c.postgres, 2)}, ${withApi ? `autocannon ${fmt(c.loadgen, 2)}` : `pgbench ${fmt(c.children, 2)}`}, ` +
    `other processes ${fmt(c.other, 2)}; machine ${fmt(c.machine, 2)} of ${machine.cpus}`;
  line();
  line(`== bench:write summary, ${new Date().toISOString()} ==`);
  line(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${pg.version}, pgbench ${pgbenchInfo}`);
  line(`postgres: ${Object.entries(pg.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  line(`api: one process, apps/api/src/main.ts (node ${PARLEY_NODE_FLAGS.join(' ')})${namedStatements ? ' (EXPERIMENT: named prepared statements)' : ''}${viaPgbouncer ? ', through pgbouncer 1.18 (transaction pooling, unnamed statements; pgbench too, -M extended)' : ''}, PARLEY_DB_POOL_SIZE=${poolSize}, ${threadCount} threads, guest comments of ${MESSAGE.length} chars, ${seconds} s per phase after a ${warmup} s warm-up`);
  line(`statements per comment: ${perComment.statements.length} (${perComment.statements.map((q) => q.replace(/^[\w.]+: /, '').split(' ').slice(0, 3).join(' ')).join(' | ')})`);
  line(`renderMessage: ${fmt(renderUs, 1)} µs per comment`);
  line();
  for (const { r, cpu, xactsPerComment } of http) {
    line(`HTTP POST /v1/threads/:id/posts, ${r.connections} connections: ${describeLoad(r, 'comments/s')}`);
    line(`    cores used: ${cores(cpu)}; per comment: api CPU ${fmt((cpu.api / Math.max(1, r.rate)) * 1e6)} µs, ` +
      `postgres CPU ${fmt((cpu.postgres / Math.max(1, r.rate)) * 1e6)} µs, ${fmt(xactsPerComment, 2)} Postgres transactions`);
  }
  for (const { r, cpu } of pgb) {
    line(`pgbench (the comment transaction, -M ${r.mode}), ${r.clients} clients: ${fmt(r.tps)} tx/s, latency avg ${fmt(r.latencyMs, 2)} ms, failed ${r.failed}`);
    line(`    cores used: ${cores(cpu, false)}; postgres CPU ${fmt((cpu.postgres / Math.max(1, r.tps)) * 1e6)} µs per comment`);
  }
  line();
  const best = http.reduce((x, y) => (y.r.rate > x.r.rate ? y : x));
  const verdict = (v: number, target: number) => (v >= target ? 'MET' : `MISSED by ${fmt((1 - v / target) * 100)}%`);
  line(`comments/s (best, ${best.r.connections} connections): ${fmt(best.r.rate)}  target ≥ ${fmt(TARGET_RATE)}: ${verdict(best.r.rate, TARGET_RATE)}`);
  for (const { r } of http) {
    const same = pgb.find((p) => p.r.clients === r.connections);
    if (same) line(`ratio API/pgbench at ${r.connections} clients: ${fmt(r.rate / same.r.tps, 2)}  target ≥ ${TARGET_RATIO}: ${verdict(r.rate / same.r.tps, TARGET_RATIO)}`);
    for (const p of pgb.filter((x) => x.r.clients !== r.connections && !connections.includes(x.r.clients))) {
      line(`ratio API (${r.connections} conns)/pgbench (${p.r.clients} clients): ${fmt(r.rate / p.r.tps, 2)}  target ≥ ${TARGET_RATIO}: ${verdict(r.rate / p.r.tps, TARGET_RATIO)}`);
    }
  }
  if (rules) {
    line();
    rulesSummary(rules, line);
    line(`    statements per comment with the default rules: ${rulesStatements.length} (${rulesStatements.map((q) => q.replace(/^[\w.]+: /, '').split(' ').slice(0, 3).join(' ')).join(' | ')})`);
  }
  if (namedStatements) line('NOTE: EXPERIMENT: the API process sent named prepared statements (bench/lib/named-statements.ts); not how Parley runs.');
  if (syncCommit === 'off') line('NOTE: synchronous_commit=off for this run: commits do not wait for the WAL flush.');
});

async function xactCount(query: (t: string) => Promise<Record<string, unknown>[]>): Promise<number> {
  const [r] = await query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()');
  return Number(r.xact_commit);
}

async function phaseStart(query: (t: string) => Promise<Record<string, unknown>[]>, apiPid: number, postmaster: number): Promise<{ xacts: number; cpu: CpuSample }> {
  const xacts = await xactCount(query);
  return { xacts, cpu: sampleCpu({ api: apiPid, postmaster }) };
}

function timeRender(): number {
  for (let i = 0; i < 200; i++) renderMessage(MESSAGE);
  const n = 2000;
  const t = performance.now();
  for (let i = 0; i < n; i++) renderMessage(MESSAGE);
  return ((performance.now() - t) * 1000) / n;
}
