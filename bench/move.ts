// `pnpm bench:move`: an online forum move (docs/adr/0009) of a forum of 100,000 posts from one
// content shard to another while the forum takes 200 comments/s: how long the move takes, phase by
// phase, and how long the forum's writes stall, beside two ceilings measured in the same run.
//
//   node bench/move.ts [--posts=100000] [--threads=100] [--rate=200] [--warmup=3] [--before=10]
//                      [--after=10] [--batch=2000] [--pool=16]
//
// One Postgres server holds three databases: accounts (the shard map), content shard 0 and content
// shard 1, named by a topology file. The API (apps/api/src/main.ts) and a worker
// (apps/worker/src/main.ts) run as their own processes on that topology; the move runs in this
// process (`moveForum`, what `pnpm forum:move` runs) with a Database of its own.
//
// The forum and its threads are created through the API on shard 0; the posts are seeded in SQL
// (the API would take minutes), each with its PostCreated event (seq 2.. per thread, after the
// ThreadCreated event), so the move's verification (checksums, gap-free event logs) has real work.
// The shard-0 relay cursor is set past the seed before the worker starts: the seed is history,
// already relayed. Then comments are posted through the API's HTTP at --rate for --warmup +
// --before seconds, the move runs, and the writes go on --after seconds past its end.
//
// Ceilings, in the same run:
// - the copy: the same rows (threads, posts, events of the forum, in the move's order) read and
//   written once by the server itself, `INSERT INTO … SELECT` into tables with the same indexes,
//   one transaction, no client in between; the move's copy rate over it is the copy ratio;
// - the stall: the write p99 over the --before seconds just before the move; the p99 during the
//   move over it is the stall ratio.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { encodeSnapshot, loadConfig, migrateTopology, openDatabase, postColumns, postFromRow, topologyOf } from '../packages/data/src/index.ts';
import { makeEvent, renderMessage, type PostCreated } from '../packages/domain/src/index.ts';
import { moveForum, type MoveReport } from '../apps/worker/src/moves/forum-move.ts';
import { api, args, benchMain, log, machineInfo, onCleanup, pool } from './lib/run.ts';
import { startBenchPostgres } from './lib/postgres.ts';
import { PARLEY_NODE_FLAGS, startApp } from './lib/apps.ts';
import { fmt } from './lib/load.ts';
import { cpuMeter, waitForQuiet } from './lib/cpu.ts';
import { startPacedWrites, type WriteRecord } from './lib/paced-writes.ts';
import { BENCH_MESSAGE } from './lib/message.ts';

const MESSAGE = BENCH_MESSAGE;
const AUTHOR = { name: 'Bench Guest', email: 'guest@example.com' };
/** the API's forum cache keeps a forum this long (ForumCache's default): the move waits it out before removing */
const ROUTE_TTL_MS = 5000;

const a = args(['posts', 'threads', 'rate', 'warmup', 'before', 'after', 'batch', 'pool']);
const postCount = Number(a.get('posts') ?? 100_000);
const threadCount = Number(a.get('threads') ?? 100);
const rate = Number(a.get('rate') ?? 200);
const warmup = Number(a.get('warmup') ?? 3);
const before = Number(a.get('before') ?? 10);
const after = Number(a.get('after') ?? 10);
const batch = Number(a.get('batch') ?? 2000);
const poolSize = Number(a.get('pool') ?? 16);
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

benchMain('bench:move', 300 + warmup + before + after + Math.ceil(postCount / 250), async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);

  // ---- one server, three databases: accounts, content 0, content 1 ----
  const server = await startBenchPostgres({ log: (l) => log(`postgres: ${l}`) });
  onCleanup(server.stop);
  log(`postgres ${server.version}: ${Object.entries(server.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const name of ['parley_shard0', 'parley_shard1']) await server.server.ensureDatabase(name);
  const urls = { accounts: server.url, c0: server.server.url('parley_shard0'), c1: server.server.url('parley_shard1') };
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-move-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o700);
  const topologyPath = join(dir, 'topology.json');
  await writeFile(topologyPath, JSON.stringify({ accounts: { primary: urls.accounts }, content: { '0': { primary: urls.c0 }, '1': { primary: urls.c1 } } }), { mode: 0o600 });
  const config = loadConfig({}, { topology: topologyPath });
  await migrateTopology(topologyOf(config));
  const c0 = await client(urls.c0);
  const c1 = await client(urls.c1);
  const acc = await client(urls.accounts);

  const adminToken = `pat_${randomBytes(24).toString('hex')}`;
  const topologyEnv = { PARLEY_TOPOLOGY: topologyPath, DATABASE_URL: '' };
  const apiProc = await startApp('api', {
    env: { ...topologyEnv, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: String(poolSize) },
  });
  onCleanup(apiProc.stop);
  log(`api: ${apiProc.url} (pid ${apiProc.pid}, PARLEY_DB_POOL_SIZE=${poolSize}), topology: accounts + content shards 0 and 1, three databases of one server`);

  // ---- the forum on shard 0, its threads through the API, its posts in SQL ----
  const { forum } = await api<{ forum: { id: string } }>(apiProc.url, 'POST', '/v1/forums', { slug: 'moving', name: 'Moving', shard: 0 }, adminToken);
  const threadIds: string[] = new Array(threadCount);
  await pool([...Array(threadCount).keys()], 8, async (i) => {
    const { thread } = await api<{ thread: { id: string } }>(apiProc.url, 'POST', '/v1/forums/moving/threads', { identifier: `bench-${i}`, title: `Bench thread ${i}` });
    threadIds[i] = thread.id;
  });
  const t0 = performance.now();
  const seeded = await seed(c0, acc, forum.id, postCount);
  log(`setup: forum ${forum.id} on content shard 0, ${threadCount} threads (API), ${fmt(postCount)} posts and their events (SQL, ${fmt((performance.now() - t0) / 1000, 1)} s; ` +
    `event snapshot ${seeded.snapshotBytes} bytes); relay cursor ${seeded.cursor} set past them`);
  for (const c of [acc, c0, c1]) await c.query('ANALYZE');
  const sizes = await forumSize(c0, forum.id);
  log(`forum on shard 0: ${sizes}`);

  const workerFailures: string[] = [];
  const workerProc = await startApp('worker', {
    env: { ...topologyEnv, LOG_LEVEL: 'info' },
    graceMs: 15_000,
    onLine: (line) => {
      const msg = logMessage(line);
      if (/fail|error|dead-letter/i.test(msg)) {
        workerFailures.push(msg);
        if (workerFailures.length <= 10) log(`worker: ${msg}`);
      }
    },
  });
  onCleanup(workerProc.stop);
  log(`worker: pid ${workerProc.pid} (relays and counters for the three databases)`);

  // ---- ceiling of the copy: the server reading and writing the same rows once ----
  await c0.query('CHECKPOINT');
  await waitForQuiet(log);
  const ceiling = await copyCeiling(c0, forum.id, server.postmasterPid);
  log(`copy ceiling: ${fmt(ceiling.rows)} rows (${ceiling.detail}) in ${fmt(ceiling.ms)} ms: ${fmt(ceiling.rate)} rows/s ` +
    `(cores: ${describeCores(ceiling.cores)})`);
  await c0.query('CHECKPOINT');

  // ---- the load, the move, the load after it ----
  await pause(1500);
  await waitForQuiet(log);
  const body = JSON.stringify({ message: MESSAGE, author: AUTHOR });
  const writer = startPacedWrites({
    label: `writes ${rate}/s`,
    url: apiProc.url,
    rate,
    body,
    path: () => `/v1/threads/${threadIds[Math.floor(Math.random() * threadIds.length)]}/posts`,
    maxInFlight: 4000,
    log,
  });
  const cpuGroups = { api: [apiProc.pid], worker: [workerProc.pid], bench: [process.pid] };
  const rollbacks = async () => Number((await c0.query(`SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()`)).rows[0].xact_rollback);
  await pause(warmup * 1000);
  const beforeCpu = cpuMeter(cpuGroups, server.postmasterPid);
  const rollbacksAtStart = await rollbacks();
  await pause(before * 1000);
  const cpuBefore = beforeCpu.end();

  const marks: { at: number; line: string }[] = [];
  let copyCpu: Record<string, number> | undefined;
  const moveCpu = cpuMeter(cpuGroups, server.postmasterPid);
  const copyMeter = cpuMeter(cpuGroups, server.postmasterPid);
  const moveDb = openDatabase(config, { poolSize: 2 });
  onCleanup(() => moveDb.close());
  const rollbacksBefore = await rollbacks();
  const moveStart = performance.now();
  const report: MoveReport = await moveForum(moveDb, {
    slug: 'moving',
    to: 1,
    batchSize: batch,
    routeTtlMs: ROUTE_TTL_MS,
    log: (line) => {
      marks.push({ at: performance.now(), line });
      if (line.startsWith('copied in')) copyCpu = copyMeter.end();
      log(`move: ${line}`);
    },
  });
  const moveEnd = performance.now();
  const cpuMove = moveCpu.end();
  log(`move: report ${JSON.stringify({ ...report, verified: report.verified.map((v) => `${v.table} ${v.rows}`) })}`);
  await pause(after * 1000);
  const run = await writer.stop();
  const writesEnd = performance.now();
  await pause(1500); // idle backends flush their statistics
  const refused = (await rollbacks()) - rollbacksBefore;

  // ---- where the writes went ----
  const records = run.records.filter((r) => r.due >= run.startedAt + warmup * 1000);
  const okIds = run.records.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.id).filter((id): id is string => Boolean(id));
  const [onNew] = (await c1.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM posts WHERE id = ANY($1::bigint[]) AND forum_id = $2`, [okIds, forum.id])).rows;
  const [forumOnNew] = (await c1.query(`SELECT count(*)::int AS n FROM posts WHERE forum_id = $1`, [forum.id])).rows;
  const [left] = (await c0.query(`SELECT (SELECT count(*) FROM threads WHERE forum_id = $1)::int AS threads, (SELECT count(*) FROM posts WHERE forum_id = $1)::int AS posts,
    (SELECT count(*) FROM events WHERE forum_id = $1)::int AS events`, [forum.id])).rows;
  const [{ shard }] = (await acc.query('SELECT shard FROM forums WHERE id = $1', [forum.id])).rows;
  const okWithoutId = run.records.filter((r) => r.status >= 200 && r.status < 300).length - okIds.length;

  // ---- the phases, from the move's progress lines ----
  const at = (prefix: string, last = false): number | undefined => {
    const found = marks.filter((m) => m.line.startsWith(prefix));
    return (last ? found[found.length - 1] : found[0])?.at;
  };
  const tCopied = at('copied in') ?? moveStart;
  const tVerified0 = at('verified:');
  // the last catch-up round before the whole-copy verification, and the last one before the fence
  const tLastRound = marks.filter((m) => m.line.startsWith('catch-up ') && (tVerified0 === undefined || m.at < tVerified0)).at(-1)?.at ?? tCopied;
  const tLastVerifiedRound = at('catch-up ', true) ?? tVerified0 ?? tCopied;
  const tSwitch = at('switched to') ?? moveEnd;
  const tFence = tSwitch - report.fenceMs;
  const tFencedLine = at('fenced;') ?? tFence;
  const tVerified = at('verified:') ?? tSwitch;
  const tCacheWait = at('waiting ') ?? tSwitch;
  const tRelayWait = at('waiting for the worker');
  const tRemoved = at('removed the old copy') ?? moveEnd;
  const copyMs = tCopied - moveStart;
  const copiedRows = Object.values(report.copied).reduce((x, y) => x + y, 0);
  const copyRate = copiedRows / (copyMs / 1000);
  const removalStart = tRelayWait ?? tCacheWait + ROUTE_TTL_MS + 1000;

  const window = (from: number, to: number) => stats(records.filter((r) => r.due >= from && r.due < to));
  const wBefore = window(moveStart - before * 1000, moveStart);
  const wMove = window(moveStart, moveEnd);
  const wCopy = window(moveStart, tCopied);
  const wCatchUp = window(tCopied, tFence);
  const wFence = stats(records.filter((r) => r.due <= tSwitch && r.at >= tFence));
  const wAfterSwitch = window(tSwitch, tRemoved);
  const wFirstSecond = window(tSwitch, tSwitch + 1000);
  const held = records.filter((r) => r.due <= tSwitch && r.at >= tFence);
  const releasedBy = held.length ? Math.max(...held.map((r) => r.at)) - tSwitch : NaN;
  const wAfter = window(moveEnd, writesEnd);
  const wAll = stats(records);

  // ---- summary ----
  const line = (s = '') => process.stdout.write(`${s}\n`);
  const ms = (n: number) => `${fmt(n)} ms`;
  const s1 = (n: number) => `${fmt(n / 1000, 1)} s`;
  line();
  line(`== bench:move summary, ${new Date().toISOString()} ==`);
  line(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${server.version}`);
  line(`postgres: ${Object.entries(server.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  line(`topology: accounts, content 0, content 1 as three databases of one server; api: apps/api/src/main.ts (node ${PARLEY_NODE_FLAGS.join(' ')}), PARLEY_DB_POOL_SIZE=${poolSize}; ` +
    `worker: apps/worker/src/main.ts; the move: moveForum in the bench process (batch ${batch}, route TTL ${ROUTE_TTL_MS} ms)`);
  line(`forum: ${threadCount} threads, ${fmt(postCount)} posts seeded (${sizes}); writes: ${rate}/s through POST /v1/threads/:id/posts, guest comments of ${MESSAGE.length} chars, ` +
    `${warmup} s warm-up, ${before} s before the move, ${after} s after it`);
  line();
  line(`move: ${s1(moveEnd - moveStart)} in all (report.totalMs ${fmt(report.totalMs)})`);
  line(`  copy:              ${ms(copyMs)}, ${fmt(copiedRows)} rows (${Object.entries(report.copied).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}): ${fmt(copyRate)} rows/s`);
  line(`  catch-up:          ${ms(tLastRound - tCopied)}, ${report.rounds} rounds (${marks.filter((m) => m.line.startsWith('catch-up ')).map((m) => m.line.replace(/^catch-up \d+: /, '').replace(/ events, (\d+) rows/, ' ev/$1 rows')).join('; ')})`);
  line(`  verify + recount:  ${ms(tVerified - tLastRound)} (the whole copy against one source snapshot, before the fence, while writes go on)`);
  line(`  rounds after it:   ${ms(Math.max(0, tLastVerifiedRound - tVerified))} (what changed meanwhile, caught up, verified row by row and recounted, still before the fence)`);
  line(`  fence → switch:    ${ms(report.fenceMs)} (the running writes end, last catch-up, changed rows verified, counts, heads, recount: ${ms(tFencedLine - tFence)}; switch ${ms(tSwitch - tFencedLine)}); ` +
    `${fmt(report.caughtUp)} events caught up in all`);
  line(`  route TTL wait:    ${ms(removalStart - tCacheWait)} (ForumCache TTL + 1 s)${tRelayWait ? `, then waited for the worker's relay` : ''}`);
  line(`  removal:           ${ms(tRemoved - removalStart)} (${report.removed ? 'the old copy removed' : 'the old copy STAYED'})`);
  line(`  cores during the copy: ${copyCpu ? describeCores(copyCpu) : 'n/a'}`);
  line(`  cores during the move: ${describeCores(cpuMove)}`);
  line(`copy ceiling (INSERT … SELECT of the same ${fmt(ceiling.rows)} rows into same-indexed tables, one transaction, in the server): ${ms(ceiling.ms)}, ${fmt(ceiling.rate)} rows/s; cores: ${describeCores(ceiling.cores)}`);
  line(`ratio move copy / ceiling: ${fmt(copyRate / ceiling.rate, 2)} (the copy took ${fmt(copyMs / ceiling.ms, 1)}× the ceiling's time)`);
  line();
  line(`writes (latency from the time each was due; n, p50 / p99 / max, not 2xx):`);
  line(`  before the move (${before} s):        ${describe(wBefore)}; cores: ${describeCores(cpuBefore)}`);
  line(`  during the move (${s1(moveEnd - moveStart)}):     ${describe(wMove)}`);
  line(`    copy:                          ${describe(wCopy)}`);
  line(`    catch-up:                      ${describe(wCatchUp)}`);
  line(`    overlapping fence → switch:    ${describe(wFence)}`);
  line(`    switch → removed:              ${describe(wAfterSwitch)}`);
  line(`      of which the first second:   ${describe(wFirstSecond)}`);
  line(`  the writes held at the fence were all answered ${ms(releasedBy)} after the switch; transactions rolled back on shard 0 during the move ` +
    `(write attempts the fence refused, retried by the API): ${fmt(refused)} (in the ${before} s before the move: ${fmt(rollbacksBefore - rollbacksAtStart)})`);
  line(`  after the move (${after} s):          ${describe(wAfter)}`);
  line(`  whole run after warm-up:         ${describe(wAll)}; skipped (in flight cap): ${run.skipped}`);
  line(`stall ratio p99 during the move / p99 before: ${fmt(wMove.p99 / wBefore.p99, 1)}; fence-window max / p99 before: ${fmt(wFence.max / wBefore.p99, 1)}`);
  const bad = run.records.filter((r) => r.status < 200 || r.status >= 300);
  const kinds = [...new Set(bad.map((r) => `${r.status === 0 ? 'no answer' : r.status}${r.code ? ` ${r.code}` : ''}`))].sort();
  const byStatus = kinds.map((k) => `${k} × ${bad.filter((r) => `${r.status === 0 ? 'no answer' : r.status}${r.code ? ` ${r.code}` : ''}` === k).length}`);
  line(`non-2xx answers: ${bad.length} of ${fmt(run.records.length)} writes (whole run, warm-up included)${bad.length ? `: ${byStatus.join(', ')}` : ''}`);
  line();
  line(`shard map: forum on content shard ${String(shard)}; acknowledged writes: ${fmt(okIds.length)}${okWithoutId ? ` (+${okWithoutId} 2xx without an id)` : ''}, on shard 1: ${fmt(onNew.n)} (distinct ${fmt(onNew.distinct)}); ` +
    `forum posts on shard 1: ${fmt(forumOnNew.n)} = ${fmt(postCount)} seeded + ${fmt(okIds.length)} written: ${forumOnNew.n === postCount + okIds.length ? 'yes' : 'NO'}; ` +
    `left on shard 0: ${left.threads} threads, ${left.posts} posts, ${left.events} events`);
  if (workerFailures.length) line(`worker reported ${workerFailures.length} failures (first: ${workerFailures[0]})`);
  if (left.threads > 0) {
    // the move said it removed the old copy: which threads stayed
    const ids = (await c0.query(`SELECT id::text AS id FROM threads WHERE forum_id = $1 ORDER BY threads.id`, [forum.id])).rows.map((r) => r.id as string);
    line(`NOTE: the move reported the old copy removed, but shard 0 still holds ${ids.length} of the forum's threads (ids ${ids.join(', ')}) with their posts and events`);
  }
});

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'parley:bench-move' });
  await c.connect();
  onCleanup(() => c.end().catch(() => {}));
  return c;
}

/**
 * `n` top-level guest posts spread over the forum's threads, each with its PostCreated event
 * (seq after the thread's last, gap-free), the threads' last_seq and counters to match, in one
 * transaction on the forum's shard; then the shard's relay cursor past them. The snapshot is one
 * real post's, encoded as the API encodes it, the same bytes for every event (the move copies
 * bytes; nothing decodes these: the relay never reads them).
 */
async function seed(c0: pg.Client, acc: pg.Client, forumId: string, n: number): Promise<{ snapshotBytes: number; cursor: string }> {
  await c0.query('BEGIN');
  await c0.query(`CREATE TEMP TABLE seed_threads ON COMMIT DROP AS
    SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS k FROM threads WHERE forum_id = $1`, [forumId]);
  const threads = (await c0.query('SELECT count(*)::int AS n FROM seed_threads')).rows[0].n as number;
  await c0.query(`INSERT INTO posts (id, thread_id, forum_id, depth, path, author_name, author_email, edit_token_hash, message, html, status, initial_status, created_at)
    SELECT s.id, st.id, $1, 0, ARRAY[s.id], $2, $3, sha256(convert_to(s.id::text, 'UTF8')), $4, $5, 'approved', 'approved',
           now() - ($6::int - s.i) * interval '10 ms'
    FROM (SELECT nextval(pg_get_serial_sequence('posts', 'id')) AS id, g.i FROM generate_series(1, $6::int) g(i)) s
    JOIN seed_threads st ON st.k = s.i % $7::int`, [forumId, AUTHOR.name, AUTHOR.email, MESSAGE, renderMessage(MESSAGE), n, threads]);
  const [sample] = (await c0.query(`SELECT ${postColumns} FROM posts WHERE forum_id = $1 ORDER BY id LIMIT 1`, [forumId])).rows;
  const event = makeEvent<PostCreated>('PostCreated', postFromRow(sample));
  const snapshot = encodeSnapshot(event.snapshot);
  await c0.query(`INSERT INTO events (forum_id, thread_id, seq, type, schema_version, actor, post_id, snapshot, at)
    SELECT $1, p.thread_id, t.last_seq + row_number() OVER (PARTITION BY p.thread_id ORDER BY p.id), $2, $3, 'public', p.id, $4, p.created_at
    FROM posts p JOIN threads t ON t.id = p.thread_id WHERE t.forum_id = $1 ORDER BY p.id`, [forumId, event.type, event.version, snapshot]);
  await c0.query(`UPDATE threads t SET last_seq = t.last_seq + c.n, post_count = t.post_count + c.n
    FROM (SELECT thread_id, count(*)::int AS n FROM posts WHERE forum_id = $1 GROUP BY thread_id) c WHERE t.id = c.thread_id`, [forumId]);
  await c0.query('COMMIT');
  await acc.query('UPDATE forums SET post_count = post_count + $2 WHERE id = $1', [forumId, n]);
  // the seed is history: the shard's relay starts after it (the API is idle, nothing commits behind it)
  const cursor = 'signals:0';
  await c0.query(`INSERT INTO relay_cursor (name, txid, event_id)
    SELECT $1, txid, id FROM events ORDER BY txid DESC, id DESC LIMIT 1
    ON CONFLICT (name) DO UPDATE SET txid = EXCLUDED.txid, event_id = EXCLUDED.event_id, updated_at = now()`, [cursor]);
  return { snapshotBytes: snapshot.length, cursor };
}

async function forumSize(c: pg.Client, forumId: string): Promise<string> {
  const [r] = (await c.query(`SELECT (SELECT count(*) FROM threads WHERE forum_id = $1)::int AS threads,
      (SELECT count(*) FROM posts WHERE forum_id = $1)::int AS posts, (SELECT count(*) FROM events WHERE forum_id = $1)::int AS events,
      pg_size_pretty((SELECT sum(pg_column_size(p.*)) FROM posts p WHERE forum_id = $1)::bigint) AS post_bytes,
      pg_size_pretty((SELECT sum(pg_column_size(e.*)) FROM events e WHERE forum_id = $1)::bigint) AS event_bytes`, [forumId])).rows;
  return `${fmt(r.threads)} threads, ${fmt(r.posts)} posts (${r.post_bytes}), ${fmt(r.events)} events (${r.event_bytes})`;
}

/**
 * The copy's ceiling: the forum's threads, posts and events, selected as the move selects them
 * (same filters, same order), inserted by the server into tables made LIKE the real ones
 * INCLUDING ALL (the same indexes and constraints), in one transaction; then dropped.
 */
async function copyCeiling(c: pg.Client, forumId: string, postmaster: number): Promise<{ rows: number; ms: number; rate: number; detail: string; cores: Record<string, number> }> {
  const tables = ['threads', 'posts', 'events'];
  await c.query('CREATE SCHEMA bench_ceiling');
  for (const t of tables) await c.query(`CREATE TABLE bench_ceiling.${t} (LIKE public.${t} INCLUDING ALL)`);
  const forumThreads = 'SELECT id FROM public.threads WHERE forum_id = $1';
  const statements: Record<string, string> = {
    threads: 'INSERT INTO bench_ceiling.threads SELECT * FROM public.threads r WHERE r.forum_id = $1 ORDER BY r.id',
    posts: `INSERT INTO bench_ceiling.posts SELECT * FROM public.posts r WHERE r.thread_id IN (${forumThreads}) ORDER BY r.thread_id, r.depth, r.id`,
    events: `INSERT INTO bench_ceiling.events SELECT * FROM public.events r WHERE r.thread_id IN (${forumThreads}) ORDER BY r.thread_id, r.seq`,
  };
  const counts: Record<string, number> = {};
  const meter = cpuMeter({ bench: [process.pid] }, postmaster);
  const t = performance.now();
  await c.query('BEGIN');
  for (const table of tables) counts[table] = (await c.query(statements[table], [forumId])).rowCount ?? 0;
  await c.query('COMMIT');
  const ms = performance.now() - t;
  const cores = meter.end();
  await c.query('DROP SCHEMA bench_ceiling CASCADE');
  const rows = Object.values(counts).reduce((x, y) => x + y, 0);
  return { rows, ms, rate: rows / (ms / 1000), detail: tables.map((x) => `${x} ${fmt(counts[x])}`).join(', '), cores };
}

interface Stats { n: number; p50: number; p99: number; max: number; failed: number }

function stats(rs: WriteRecord[]): Stats {
  const lat = rs.map((r) => r.at - r.due).sort((x, y) => x - y);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { n: rs.length, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN, failed: rs.filter((r) => r.status < 200 || r.status >= 300).length };
}

const describe = (s: Stats) => `n ${fmt(s.n)}, ${fmt(s.p50, 1)} / ${fmt(s.p99, 1)} / ${fmt(s.max, 1)} ms, ${s.failed} not 2xx`;

const describeCores = (c: Record<string, number>) =>
  Object.entries(c).filter(([k]) => k !== 'machine').map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ') + `; machine ${fmt(c.machine, 2)}`;

function logMessage(line: string): string {
  try {
    const { msg, err } = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return [msg, err?.message].filter(Boolean).join(': ') || line;
  } catch {
    return line;
  }
}
