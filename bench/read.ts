// `pnpm bench:read`: a thread of 1,000 comments read a page at a time. Page 1 and page 20 (by
// keyset cursor) of GET /v1/threads/:id/posts?limit=50, beside plain node:http ceilings in the
// same run: a 5-byte hello, and the very bytes of page 1 served from memory.
//
//   node bench/read.ts [--connections=32] [--seconds=20] [--warmup=5] [--posts=1000] [--pool=16]
//                      [--named-statements]   (an experiment: see lib/named-statements.ts)
//                      [--router]   also page 1 through the topology router and a streaming replica
//                      [--haproxy]  also page 1 from two API processes behind HAProxy
//                      [--cache]    also the cache tier (issue 13): see below
//                      [--write-rate=200] [--lag-seconds=15] [--stampede-readers=500] [--stampede-rounds=10]
//                      [--profile]  with --cache: the cache phases' API processes run with --cpu-prof
//
// --router: the router's overhead (issue 12). A streaming replica of the benchmark's Postgres and
// a second API process opened on a topology file naming it; page 1 through that process (read
// from the replica) beside page 1 from the first (one database, no router choice), in this run.
//
// Since issue 13 the public's pages are served from the cache tier (docs/adr/0010), and no public
// read bypasses it: even with PARLEY_CACHE_STALE_MS=0 (a copy is never fresh) a read that finds
// the key's render in flight gets the previous copy, so under 32 connections only a few reads
// render. The uncached phases ("API page 1", "API page 20", the router's and HAProxy's) therefore
// send the admin token: a moderator's view is never cached and is rendered on every request,
// the path every public read took before the cache (the same listing but for the public's status
// filter, the same bytes when every post is published, which the run checks). Their API
// processes also run with PARLEY_CACHE_STALE_MS=0, and --cache adds a phase of public reads on
// it. Every API process has lib/page-probe.ts preloaded: each phase reports the page listings it
// really sent per request.
//
// --cache: the cache tier, in this run, beside the same node:http ceiling (page 1's bytes):
// (a) page 1 from an API process with the default in-process cache (hits; one render per 2 s);
// (b) page 1 from an API process on a memcached pool of three servers started here
//     (MEMCACHED_SERVERS); (c) page 1 with If-None-Match: its ETag (304) from the API of (a), also
//     beside node:http answering the same 304; (d) stampede: in this process, the API built on the
//     bench's database, 500 concurrent readers of a key after each invalidation (a write and the
//     staleness bound passed; or the page deleted from the cache), page listings counted by
//     db.onQuery, in-process cache and memcached pool (two app instances); (e) refill lag: an API
//     and a worker process on the memcached pool (PARLEY_CACHE_STALE_MS=600000, so only the
//     worker's refill refreshes a page), 200 writes/s to a thread while its first page (newest
//     first) is polled every 5 ms; lag = first page reflecting a write − the write's answer.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeCursor } from '../packages/domain/src/index.ts';
import { postSql } from '../packages/data/src/index.ts';
import { api, args, benchMain, intList, log, machineInfo, onCleanup, pool } from './lib/run.ts';
import { startBenchPostgres } from './lib/postgres.ts';
import { startReplica } from '../scripts/lib/replica.ts';
import { freePort } from '../scripts/lib/free-port.ts';
import { haproxyConfig } from '../scripts/lib/haproxy.ts';
import { startHaproxy } from '../scripts/lib/topology-processes.ts';
import { PARLEY_NODE_FLAGS } from './lib/apps.ts';
import { spawnProcess } from './lib/processes.ts';
import { describeLoad, fmt, runLoad, type LoadResult } from './lib/load.ts';
import { statementsPerRequest } from './lib/query-count.ts';
import { coresUsed, cpuMeter, cpuSeconds, sampleCpu, waitForQuiet, type CoresUsed } from './lib/cpu.ts';
import { summarizeProfiles } from './lib/realtime-profile.ts';
import { measureRefillLag, measureStampede, startMemcachedServers, startProbed, type MemcachedServers, type ProbedProc, type RefillLag, type StampedeResult } from './lib/read-cache.ts';

const TARGET_PAGE20_COST = 1.2;
const a = args(['connections', 'seconds', 'warmup', 'posts', 'pool', 'named-statements', 'router', 'haproxy',
  'cache', 'write-rate', 'lag-seconds', 'stampede-readers', 'stampede-rounds', 'profile']);
const router = a.has('router');
const behindHaproxy = a.has('haproxy');
const TARGET_ROUTER_OVERHEAD = 0.05;
const cache = a.has('cache');
const profile = a.has('profile');
if (profile && !cache) throw new Error('--profile profiles the cache phases\' API processes: it needs --cache');
const TARGET_MEMORY_CACHE = 0.5;
const TARGET_MEMCACHED = 0.3;
const TARGET_STAMPEDE = 1;
const TARGET_REFILL_P99_MS = 1000;
const MEMCACHED_SERVERS = 3;
/** the stampede's staleness bound: a page older than this is rendered again by the lease holder */
const STAMPEDE_STALE_MS = 500;
/** the stampede's experiment: MEMCACHED_TIMEOUT_MS long enough that a busy event loop never ejects a server */
const STAMPEDE_LONG_TIMEOUT_MS = 2000;
const writeRate = Number(a.get('write-rate') ?? 200);
const lagSeconds = Number(a.get('lag-seconds') ?? 15);
const stampedeReaders = Number(a.get('stampede-readers') ?? 500);
const stampedeRounds = Number(a.get('stampede-rounds') ?? 10);
const LAG_WARMUP = 3;
const POLL_MS = 5;
const connections = intList(a.get('connections'), [32]);
const seconds = Number(a.get('seconds') ?? 20);
const warmup = Number(a.get('warmup') ?? 5);
const postCount = Number(a.get('posts') ?? 1000);
const poolSize = Number(a.get('pool') ?? 16);
const PAGE = 50;
/** experiment: the API process sends named (prepared) statements; see lib/named-statements.ts */
const namedStatements = a.has('named-statements');
const apiFlags = namedStatements ? ['--import', new URL('./lib/named-statements.ts', import.meta.url).href] : [];
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

const phaseBudget = seconds + warmup + 70;
const deadline = 240 + connections.length * 4 * phaseBudget + (cache ? connections.length * 5 * phaseBudget + 300 + lagSeconds : 0);
benchMain('bench:read', deadline, async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);
  const pg = await startBenchPostgres({ log: (l) => log(`postgres: ${l}`) });
  onCleanup(pg.stop);
  log(`postgres ${pg.version}: ${Object.entries(pg.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);

  const adminToken = `pat_${randomBytes(24).toString('hex')}`;
  const apiEnv = { DATABASE_URL: pg.url, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: String(poolSize) };
  // no cached copy is ever fresh (docs/adr/0010); the uncached phases read as a moderator, which
  // bypasses the cache, and --cache measures what a bound of 0 does to public reads
  const uncachedEnv = { ...apiEnv, PARLEY_CACHE_STALE_MS: '0' };
  const server = await startProbed('api', { nodeFlags: apiFlags, env: uncachedEnv });
  onCleanup(server.stop);
  log(`api: ${server.url} (pid ${server.pid}, PARLEY_DB_POOL_SIZE=${poolSize}, PARLEY_CACHE_STALE_MS=0)`);

  await api(server.url, 'POST', '/v1/forums', { slug: 'bench', name: 'Bench' }, adminToken);
  const { thread } = await api<{ thread: { id: string } }>(server.url, 'POST', '/v1/forums/bench/threads', { identifier: 'big-thread', title: 'A thread of many comments' });
  const shape = await seedThread(server.url, thread.id);
  log(`setup: thread ${thread.id} with ${postCount} comments: ${shape}`);
  // What autovacuum would have done by now on a live server; without it the planner guesses at a
  // fresh table's statistics and page 1 may sort the whole thread instead of walking the index.
  await pg.query('ANALYZE');

  // Walk the cursors once: page 20 is reached the way a reader would reach it.
  const base = `/v1/threads/${thread.id}/posts?limit=${PAGE}`;
  const pages: { url: string; posts: number; body: string }[] = [];
  let url: string | undefined = base;
  while (url && pages.length < 20) {
    const res = await fetch(server.url + url);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}: ${text.slice(0, 300)}`);
    const page = JSON.parse(text) as { posts: unknown[]; nextCursor: string | null };
    pages.push({ url, posts: page.posts.length, body: text });
    url = page.nextCursor ? `${base}&cursor=${page.nextCursor}` : undefined;
  }
  if (pages.length < 20) throw new Error(`only ${pages.length} pages of ${PAGE}; need 20 (is --posts at least ${20 * PAGE}?)`);
  const page1 = pages[0];
  const page20 = pages[19];
  log(`page 1: ${page1.posts} posts, ${fmt(page1.body.length)} bytes; page 20: ${page20.posts} posts, ${fmt(page20.body.length)} bytes`);
  // the uncached phases read as a moderator (never cached): the same bytes as the public's page
  const uncached = { authorization: `Bearer ${adminToken}` };
  for (const p of [page1, page20]) {
    const res = await fetch(server.url + p.url, { headers: uncached });
    const body = await res.text();
    if (res.status !== 200 || body !== p.body) throw new Error(`${p.url} as a moderator: ${res.status}, ${body.length} bytes, not the public's ${p.body.length}`);
  }

  const counted = await statementsPerRequest(pg.url, [
    { label: 'page 1', method: 'GET', url: page1.url, headers: uncached },
    { label: 'page 20', method: 'GET', url: page20.url, headers: uncached },
    { label: 'page 1 for the cache', method: 'GET', url: page1.url },
  ], { adminToken, cacheStaleMs: 0 });
  for (const c of counted) log(`statements for ${c.label}: ${c.statements.length} (${c.statements.join(' | ')})`);
  const plans = await explainPages(pg.query, thread.id, page20.url);
  log(`EXPLAIN ANALYZE page 1: ${plans.page1}; page 20: ${plans.page20}`);

  const pageFile = join(tmpdir(), `parley-bench-page-${process.pid}.json`);
  await writeFile(pageFile, page1.body);
  onCleanup(() => rm(pageFile, { force: true }));
  const ceiling = await spawnProcess({ name: 'node:http ceiling', program: new URL('./lib/hello-server.ts', import.meta.url), args: [pageFile], ready: 'json' });
  onCleanup(ceiling.stop);

  let routed: ProbedProc | undefined;
  if (router) {
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-replica-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755);
    const replica = await startReplica(pg.server, { dir: join(dir, 'pg'), flags: ['-c', 'shared_buffers=256MB', '-c', 'max_connections=300'], log: (l) => log(`replica: ${l}`) });
    onCleanup(() => replica.stop());
    const file = join(dir, 'topology.json');
    await writeFile(file, JSON.stringify({ accounts: { primary: pg.url }, content: { '0': { primary: pg.url, replicas: [replica.url('parley_bench')] } } }));
    const viaRouter = await startProbed('api', { nodeFlags: apiFlags, env: { ...uncachedEnv, PARLEY_TOPOLOGY: file, DATABASE_URL: '' } });
    onCleanup(viaRouter.stop);
    // the first read asks about the replica; wait until the router sends reads there
    for (let i = 0; ; i++) {
      const health = await (await fetch(`${viaRouter.url}/healthz`)).json() as { replicas?: { state: string }[] };
      await fetch(viaRouter.url + page1.url);
      if (health.replicas?.[0]?.state === 'ok') break;
      if (i > 100) throw new Error(`the replica never joined the rotation: ${JSON.stringify(health)}`);
      await pause(100);
    }
    routed = viaRouter;
    log(`router: ${viaRouter.url} reads page 1 from the streaming replica on port ${replica.port}`);
  }

  // --haproxy: a second API process on the same database, HAProxy (scripts/lib/haproxy.ts) in front of both
  let balanced: { url: string; pid: number; listings: () => Promise<number> } | undefined;
  if (behindHaproxy) {
    const second = await startProbed('api', { nodeFlags: apiFlags, env: uncachedEnv });
    onCleanup(second.stop);
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-haproxy-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const upstream = (name: string, url: string) => ({ name, host: '127.0.0.1', port: Number(new URL(url).port) });
    await writeFile(join(dir, 'haproxy.cfg'), haproxyConfig({ port, api: [upstream('api1', server.url), upstream('api2', second.url)] }));
    const lb = await startHaproxy(join(dir, 'haproxy.cfg'), port);
    onCleanup(async () => void (await lb.stop()));
    // listings: both processes behind it
    balanced = { url: lb.url, pid: second.pid, listings: async () => (await server.listings()) + (await second.listings()) };
    log(`haproxy: ${lb.url} in front of ${server.url} and ${second.url}`);
  }

  // --cache: (a) and (c) from an API process with the in-process cache, (b) from one on three memcached servers
  let cached: { memory: ProbedProc; memcached: ProbedProc; pool: MemcachedServers; etag: string } | undefined;
  const profDirs: { name: string; dir: string }[] = [];
  if (cache) {
    const servers = await startMemcachedServers(MEMCACHED_SERVERS);
    onCleanup(servers.stop);
    log(`memcached ${servers.version}: ${servers.servers.join(', ')} (pids ${servers.pids.join(', ')})`);
    const profFlags = async (name: string) => {
      if (!profile) return [];
      const dir = await mkdtemp(join(tmpdir(), `parley-bench-prof-${name}-`));
      onCleanup(() => rm(dir, { recursive: true, force: true }));
      profDirs.push({ name, dir });
      return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    };
    const memory = await startProbed('api', { name: 'api (in-process cache)', nodeFlags: [...apiFlags, ...(await profFlags('in-process cache'))], env: apiEnv });
    onCleanup(memory.stop);
    // LOG_LEVEL=warn: the pool's ejections are warnings; the summary counts them
    const memcached = await startProbed('api', { name: 'api (memcached)', nodeFlags: [...apiFlags, ...(await profFlags('memcached'))], env: { ...apiEnv, LOG_LEVEL: 'warn', MEMCACHED_SERVERS: servers.servers.join(',') } });
    onCleanup(memcached.stop);
    let etag = '';
    for (const p of [memory, memcached]) {
      const res = await fetch(p.url + page1.url);
      const body = await res.text();
      if (res.status !== 200 || body !== page1.body) throw new Error(`${p.name}: page 1 answered ${res.status} with other bytes than the uncached API's`);
      etag = res.headers.get('etag') ?? '';
    }
    const cond = await fetch(memory.url + page1.url, { headers: { 'if-none-match': etag } });
    if (cond.status !== 304) throw new Error(`page 1 with If-None-Match: ${etag} answered ${cond.status}, not 304`);
    log(`cache: ${memory.name} ${memory.url} (pid ${memory.pid}), ${memcached.name} ${memcached.url} (pid ${memcached.pid}, MEMCACHED_SERVERS=${servers.servers.join(',')}); page 1's ETag ${etag}`);
    cached = { memory, memcached, pool: servers, etag };
  }

  const results: Result[] = [];
  const phase = async (label: string, target: string, path: string, c: number, proc: { pid: number; listings?: () => Promise<number> }, o: { headers?: Record<string, string>; expect?: '2xx' | '304'; memcachedPids?: number[] } = {}) => {
    await pause(1000);
    await waitForQuiet(log);
    const load = { connections: c, headers: o.headers, expect: o.expect, log };
    await runLoad({ ...load, label: `${label} warm-up`, url: target + path, seconds: warmup });
    const listed = await proc.listings?.();
    const memcachedCpu = (o.memcachedPids ?? []).reduce((x, p) => x + cpuSeconds(p), 0);
    const before = sampleCpu({ api: proc.pid, postmaster: pg.postmasterPid });
    const r = await runLoad({ ...load, label: `${label} ${c} conns`, url: target + path, seconds });
    const cpu = coresUsed(before, sampleCpu({ api: proc.pid, postmaster: pg.postmasterPid }));
    const memcachedCores = o.memcachedPids ? ((o.memcachedPids.reduce((x, p) => x + cpuSeconds(p), 0) - memcachedCpu) / r.seconds) : undefined;
    if (memcachedCores !== undefined) cpu.other = Math.max(0, cpu.other - memcachedCores);
    const listings = listed === undefined ? undefined : (await proc.listings!()) - listed;
    results.push({ label, r, cpu, listings, memcachedCores });
    log(`${label} ${c} conns: ${describeLoad(r)}${listings === undefined ? '' : `; page listings ${fmt(listings)}`}`);
  };
  for (const c of connections) {
    await phase('API page 1', server.url, page1.url, c, server, { headers: uncached });
    if (routed) await phase('API page 1 via router', routed.url, page1.url, c, routed, { headers: uncached });
    // cores: "api" is the second process; the first and HAProxy count under "other processes"
    if (balanced) await phase('2 APIs behind HAProxy', balanced.url, page1.url, c, balanced, { headers: uncached });
    await phase('API page 20', server.url, page20.url, c, server, { headers: uncached });
    // the public's page 1 from the same process, PARLEY_CACHE_STALE_MS=0: what that setting does under load
    if (cached) await phase('API page 1, stale bound 0', server.url, page1.url, c, server);
    await phase('node:http hello', ceiling.url, '/hello', c, ceiling);
    await phase('node:http page-1 bytes', ceiling.url, '/page', c, ceiling);
    if (cached) {
      await phase('API page 1, in-process cache', cached.memory.url, page1.url, c, cached.memory);
      await phase('API page 1, memcached ×3', cached.memcached.url, page1.url, c, cached.memcached, { memcachedPids: cached.pool.pids });
      await phase('API page 1, 304', cached.memory.url, page1.url, c, cached.memory, { headers: { 'if-none-match': cached.etag }, expect: '304' });
      await phase('node:http 304', ceiling.url, '/not-modified', c, ceiling, { headers: { 'if-none-match': cached.etag }, expect: '304' });
    }
  }

  // (d) stampede, in this process: the in-process cache, then the memcached pool
  const stampedes: StampedeResult[] = [];
  let lag: { r: RefillLag; cpu: Record<string, number>; apiListings: number; workerListings: number; threadId: string; ejections: string[] } | undefined;
  if (cached) {
    await waitForQuiet(log);
    // the memcached pool with Parley's command timeout, then (an experiment) with a longer one
    for (const [servers, timeoutMs] of [[undefined, undefined], [cached.pool.servers, undefined], [cached.pool.servers, STAMPEDE_LONG_TIMEOUT_MS]] as const) {
      stampedes.push(await measureStampede({ databaseUrl: pg.url, threadId: thread.id, memcached: servers, timeoutMs, readers: stampedeReaders, rounds: stampedeRounds, staleMs: STAMPEDE_STALE_MS, log }));
      await pause(1000);
    }

    // (e) refill lag: an API and a worker on the pool; a page is refreshed only by the worker's refill
    const lagEnv = { ...apiEnv, MEMCACHED_SERVERS: cached.pool.servers.join(','), PARLEY_CACHE_STALE_MS: '600000' };
    const lagApi = await startProbed('api', { name: 'api (refill lag)', nodeFlags: apiFlags, env: { ...lagEnv, LOG_LEVEL: 'warn' } });
    onCleanup(lagApi.stop);
    // LOG_LEVEL=info: the worker logs the pool's ejections at info (a few lines at start)
    const worker = await startProbed('worker', { name: 'worker', env: { ...lagEnv, LOG_LEVEL: 'info' } });
    onCleanup(worker.stop);
    const { thread: lagThread } = await api<{ thread: { id: string } }>(lagApi.url, 'POST', '/v1/forums/bench/threads', { identifier: 'refill-thread', title: 'A thread written to while it is read' });
    log(`refill lag: ${lagApi.name} ${lagApi.url} (pid ${lagApi.pid}), worker (pid ${worker.pid}), thread ${lagThread.id}; ${writeRate} writes/s for ${LAG_WARMUP} + ${lagSeconds} s`);
    await pause(3000); // the worker relays the events written so far
    await waitForQuiet(log);
    const [apiBefore, workerBefore] = [await lagApi.listings(), await worker.listings()];
    const meter = cpuMeter({ api: [lagApi.pid], worker: [worker.pid], bench: [process.pid], memcached: cached.pool.pids }, pg.postmasterPid);
    const r = await measureRefillLag({ api: lagApi.url, threadId: lagThread.id, rate: writeRate, seconds: lagSeconds, warmup: LAG_WARMUP, pollMs: POLL_MS, log });
    const cpu = meter.end();
    lag = { r, cpu, apiListings: (await lagApi.listings()) - apiBefore, workerListings: (await worker.listings()) - workerBefore, threadId: lagThread.id, ejections: [...lagApi.ejections, ...worker.ejections] };
    log(`refill lag: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms over ${fmt(r.writes)} writes (${r.never} never reflected)`);
  }

  const line = (s = '') => process.stdout.write(`${s}\n`);
  line();
  line(`== bench:read summary, ${new Date().toISOString()} ==`);
  line(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${pg.version}`);
  line(`api: one process, apps/api/src/main.ts (node ${PARLEY_NODE_FLAGS.join(' ')})${namedStatements ? ' (EXPERIMENT: named prepared statements, not how Parley runs)' : ''}, PARLEY_DB_POOL_SIZE=${poolSize}; thread of ${postCount} comments (${shape}); limit=${PAGE}; ${seconds} s per phase after a ${warmup} s warm-up`);
  line(`"API page 1", "API page 20"${routed ? ', "via router"' : ''}${balanced ? ', "behind HAProxy"' : ''}: uncached, rendered on every request (sent with the admin token: a moderator's view is never cached; the same bytes as the public's page); their API process runs with PARLEY_CACHE_STALE_MS=0; page listings counted in each API process by bench/lib/page-probe.ts`);
  line(`page 1 ${fmt(page1.body.length)} bytes, page 20 ${fmt(page20.body.length)} bytes; statements per page: ${counted.map((c) => `${c.label} ${c.statements.length}`).join(', ')} (the WAL position, then the listing)`);
  line(`EXPLAIN ANALYZE (listing statement only): page 1 ${plans.page1}; page 20 ${plans.page20}`);
  line();
  for (const { label, r, cpu, listings, memcachedCores } of results) {
    const server = label.startsWith('API') || label.startsWith('2 APIs') ? 'api' : 'server';
    line(`${label.padEnd(30)} ${String(r.connections).padStart(3)} conns: ${describeLoad(r)}`);
    line(`${''.padEnd(34)}cores: ${server} ${fmt(cpu.api, 2)}, postgres ${fmt(cpu.postgres, 2)}, autocannon ${fmt(cpu.loadgen, 2)}, ` +
      `${memcachedCores !== undefined ? `memcached ${fmt(memcachedCores, 2)}, ` : ''}other processes ${fmt(cpu.other, 2)}; ` +
      `${server} CPU ${fmt((cpu.api / Math.max(1, r.rate)) * 1e6)} µs per request` +
      `${listings !== undefined ? `; page listings ${fmt(listings)} (${fmt(listings / Math.max(1, r.ok + r.non2xx), 3)} per request)` : ''}`);
  }
  line();
  for (const c of connections) {
    const get = (label: string) => results.find((x) => x.label === label && x.r.connections === c)!.r;
    const p1 = get('API page 1');
    const p20 = get('API page 20');
    const hello = get('node:http hello');
    const bytes = get('node:http page-1 bytes');
    const cost = p1.rate / p20.rate;
    line(`${c} conns: page 20 costs ${fmt(cost, 2)}× page 1 (req/s ${fmt(p20.rate)} vs ${fmt(p1.rate)}; p99 ${fmt(p20.p99, 1)} vs ${fmt(p1.p99, 1)} ms)  ` +
      `target ≤ ${TARGET_PAGE20_COST}: ${cost <= TARGET_PAGE20_COST ? 'MET' : `MISSED by ${fmt((cost / TARGET_PAGE20_COST - 1) * 100)}%`}`);
    line(`${c} conns: API page 1 / node:http hello = ${fmt(p1.rate / hello.rate, 3)}; API page 1 / node:http same bytes = ${fmt(p1.rate / bytes.rate, 3)}`);
    if (balanced) {
      const two = get('2 APIs behind HAProxy');
      line(`${c} conns: page 1 from two API processes behind HAProxy ${fmt(two.rate)} req/s vs one process ${fmt(p1.rate)}: ${fmt(two.rate / p1.rate, 2)}× (two cores shared with Postgres, HAProxy and the load generator)`);
    }
    if (routed) {
      const viaRouter = get('API page 1 via router');
      const slower = 1 - viaRouter.rate / p1.rate;
      line(`${c} conns: page 1 through the router and a replica ${fmt(viaRouter.rate)} req/s vs one database ${fmt(p1.rate)}: ${fmt(slower * 100, 1)} % slower  ` +
        `target ≤ ${TARGET_ROUTER_OVERHEAD * 100} %: ${slower <= TARGET_ROUTER_OVERHEAD ? 'MET' : 'MISSED'}`);
    }
    if (cached) {
      const verdict = (ratio: number, target: number) => `target ≥ ${target}: ${ratio >= target ? 'MET' : `MISSED by ${fmt((1 - ratio / target) * 100)}%`}`;
      const vs = (label: string, what: string, target?: number) => {
        const r = get(label);
        const ratio = r.rate / bytes.rate;
        line(`${c} conns: ${what} ${fmt(r.rate)} req/s (p50 ${fmt(r.p50, 1)}, p99 ${fmt(r.p99, 1)} ms) / node:http same bytes ${fmt(bytes.rate)} = ${fmt(ratio, 3)}` +
          `${target !== undefined ? `  ${verdict(ratio, target)}` : ''}; ${fmt(r.rate / p1.rate, 1)}× the uncached page 1`);
        return r;
      };
      vs('API page 1, in-process cache', 'page 1 from the in-process cache', TARGET_MEMORY_CACHE);
      vs('API page 1, memcached ×3', `page 1 from memcached (${MEMCACHED_SERVERS} servers)`, TARGET_MEMCACHED);
      line(`${c} conns: memcached servers ejected by the memcached API process so far: ${cached.memcached.ejections.length}${cached.memcached.ejections.length ? ` (${cached.memcached.ejections.join(', ')})` : ''}`);
      const notModified = vs('API page 1, 304', 'page 1 with If-None-Match (304)');
      const node304 = get('node:http 304');
      line(`${c} conns: 304 from the API / node:http answering the same 304 ${fmt(node304.rate)} req/s = ${fmt(notModified.rate / node304.rate, 3)}`);
    }
  }
  if (cached) {
    const timeoutNote = (s: StampedeResult) => (s.timeoutMs === undefined ? '' : ` (MEMCACHED_TIMEOUT_MS=${s.timeoutMs})`);
    line();
    for (const c of connections) {
      const r = results.find((x) => x.label === 'API page 1, stale bound 0' && x.r.connections === c)!;
      line(`${c} conns: public page 1 with PARLEY_CACHE_STALE_MS=0: ${fmt(r.r.rate)} req/s, ${fmt(r.listings ?? NaN)} page listings = ${fmt((r.listings ?? NaN) / Math.max(1, r.r.ok), 3)} per request: ` +
        'a bound of 0 is not the uncached path under load (a read that finds the render in flight gets the previous copy)');
    }
    line(`cache tier: memcached ${cached.pool.version}, ${MEMCACHED_SERVERS} servers on 127.0.0.1 (-m 64, -c 4096, scripts/lib/topology-processes.ts); the API processes of (a)/(c) and (b): PARLEY_CACHE_STALE_MS unset (2000)`);
    for (const s of stampedes) {
      for (const kind of ['stale', 'lost'] as const) {
        const rounds = s.rounds.filter((x) => x.kind === kind);
        const per = rounds.reduce((x, y) => x + y.listings, 0) / Math.max(1, rounds.length);
        const what = kind === 'stale'
          ? `a write, then ${s.staleMs + 100} ms (bound ${s.staleMs} ms): the lease holder renders, the others serve the old copy`
          : 'the page deleted from the cache: the others wait for the lease holder\'s copy';
        const ok = rounds.reduce((x, y) => x + y.ok, 0);
        const fresh = rounds.reduce((x, y) => x + y.withNewPost, 0);
        const extra = rounds.filter((x) => x.listings > 1);
        const ejections = rounds.reduce((x, y) => x + y.ejections, 0);
        const poolNote = s.timeoutMs === undefined ? '' : `, MEMCACHED_TIMEOUT_MS=${s.timeoutMs}${s.timeoutMs === STAMPEDE_LONG_TIMEOUT_MS ? ' (EXPERIMENT; Parley\'s default is 100)' : ''}`;
        line(`stampede, ${s.cache}${s.instances > 1 ? ` (${s.instances} app instances, one pool client each${poolNote})` : ' (one app instance)'}, ${kind} (${what}): ` +
          `page listings per invalidation ${rounds.map((x) => x.listings).join(', ')} → ${fmt(per, 2)}  target ${TARGET_STAMPEDE}: ${per <= TARGET_STAMPEDE ? 'MET' : 'MISSED'}; ` +
          `${rounds.length} × ${stampedeReaders} concurrent readers: ${fmt(ok)} ok${kind === 'stale' ? ` (${fmt(ok - fresh)} served the old copy)` : ''}, ` +
          `each burst ${fmt(Math.min(...rounds.map((x) => x.ms)))}–${fmt(Math.max(...rounds.map((x) => x.ms)))} ms, event-loop delay up to ${fmt(Math.max(...rounds.map((x) => x.loopDelayMs)))} ms` +
          `${s.timeoutMs !== undefined ? `, servers ejected during the bursts: ${ejections}` : ''}` +
          `${extra.length ? `; the listings of the rounds with more than one were sent at ${extra.map((x) => x.listingAt.map((t) => `${fmt(t)}`).join(' and ') + ' ms').join('; ')} into the burst` : ''}`);
      }
      if (s.ejections.length) {
        const why = new Map<string, number>();
        for (const e of s.ejections) why.set(e, (why.get(e) ?? 0) + 1);
        line(`stampede, ${s.cache}${timeoutNote(s)}: ${s.ejections.length} ejections of a server by a pool client (${[...why].map(([k, n]) => `${k} ×${n}`).join(', ')}); each lasts 10 s, and the two clients' rings disagree meanwhile`);
      }
    }
    if (lag) {
      const { r, cpu } = lag;
      line(`refill lag (API + worker processes on the pool, PARLEY_CACHE_STALE_MS=600000: only the worker's refill refreshes a page): ${fmt(r.rate)} writes/s answered over ${lagSeconds} s ` +
        `(${fmt(r.writes)} writes after a ${LAG_WARMUP} s warm-up; write p99 ${fmt(r.writeP99, 1)} ms; ${r.failed} failed, ${r.skipped} skipped); page 1 newest first polled every ${POLL_MS} ms without Parley-Lsn ` +
        `(${fmt(r.polls)} polls, ${fmt(r.changed)} new pages, ${r.pollErrors} errors)`);
      line(`refill lag, write answered → first page reflecting it: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms (min ${fmt(r.min)} ms)  ` +
        `target p99 ≤ ${TARGET_REFILL_P99_MS} ms: ${r.p99 <= TARGET_REFILL_P99_MS ? 'MET' : 'MISSED'}; ` +
        `${fmt(r.shown)} seen on the page, ${fmt(r.overtaken)} pushed past the first ${PAGE} before a poll saw them (reflected by a later write's page), ${fmt(r.never)} never reflected`);
      line(`refill lag: page listings: worker ${fmt(lag.workerListings)} (${fmt(lag.workerListings / Math.max(1, r.writes + writeRate * LAG_WARMUP), 3)} per write), API ${fmt(lag.apiListings)}; ` +
        `cores: api ${fmt(cpu.api, 2)}, worker ${fmt(cpu.worker, 2)}, postgres ${fmt(cpu.postgres, 2)}, memcached ${fmt(cpu.memcached, 2)}, bench ${fmt(cpu.bench, 2)}, other ${fmt(cpu.other, 2)}; ` +
        `memcached servers ejected by the API or the worker: ${lag.ejections.length}${lag.ejections.length ? ` (${lag.ejections.join(', ')})` : ''}`);
    }
    if (profDirs.length) {
      // the processes write their profiles when they exit
      await cached.memory.stop();
      await cached.memcached.stop();
      for (const { name, dir } of profDirs) {
        line();
        line(`--profile: API process with the ${name} (the whole run of the process: its phases, their warm-ups, and the fetches before them)`);
        for (const l of summarizeProfiles(dir, 25)) line(l);
      }
    }
  }
});

interface Result {
  label: string;
  r: LoadResult;
  cpu: CoresUsed;
  /** page listings the API process sent during the measured window */
  listings?: number;
  memcachedCores?: number;
}

/** 1,000 comments: about a third top-level, the rest replies, some several levels deep. */
async function seedThread(base: string, threadId: string): Promise<string> {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const parents: (number | null)[] = [];
  for (let i = 0; i < postCount; i++) {
    if (i < 5 || rand() < 0.35) parents.push(null);
    // replies favour recent comments, so some chains grow deep
    else parents.push(rand() < 0.5 ? i - 1 - Math.floor(rand() * Math.min(i, 5)) : Math.floor(rand() * i));
  }
  const ids: Promise<string>[] = new Array(postCount);
  const depth: number[] = new Array(postCount).fill(0);
  const started = performance.now();
  let done = 0;
  await pool([...parents.keys()], 8, async (i) => {
    const parent = parents[i];
    ids[i] = (async () => {
      const parentId = parent === null ? null : await ids[parent];
      const { post } = await api<{ post: { id: string; depth: number } }>(base, 'POST', `/v1/threads/${threadId}/posts`, {
        message: `Comment ${i}: ${'a reasonably long sentence about the article, '.repeat(4)}with a [link](https://example.com/${i}).`,
        author: { name: `Reader ${i % 37}`, email: `reader${i % 37}@example.com` },
        parentId,
      }, undefined, [201]);
      depth[i] = post.depth;
      if (++done % 250 === 0) log(`seed: ${done}/${postCount} comments, ${fmt((done * 1000) / (performance.now() - started))}/s`);
      return post.id;
    })();
    await ids[i];
  });
  const top = parents.filter((p) => p === null).length;
  const hist = new Map<number, number>();
  for (const d of depth) hist.set(d, (hist.get(d) ?? 0) + 1);
  return `${top} top-level, ${postCount - top} replies; by depth ${[...hist].sort((x, y) => x[0] - y[0]).map(([d, n]) => `${d}:${n}`).join(' ')}`;
}

async function explainPages(query: (t: string, v?: unknown[]) => Promise<Record<string, unknown>[]>, threadId: string, page20Url: string) {
  const cursor = decodeCursor(new URL(page20Url, 'http://x').searchParams.get('cursor')!, 'oldest');
  const run = async (sql: string, values: unknown[]) => {
    const [row] = await query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, values);
    type Node = { 'Node Type': string; 'Index Name'?: string; 'Shared Hit Blocks': number; 'Shared Read Blocks': number; Plans?: Node[] };
    const plan = (row['QUERY PLAN'] as { 'Execution Time': number; Plan: Node }[])[0];
    const shape = (n: Node): string => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}${n.Plans?.length ? ` > ${shape(n.Plans[0])}` : ''}`;
    return `${fmt(plan['Execution Time'], 3)} ms, ${plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks']} buffers (${shape(plan.Plan)})`;
  };
  const page = (after?: { path: string[] }) => postSql.listPosts('oldest', { moderator: false, threadId, limit: PAGE + 1, after });
  const [first, twentieth] = [page(), page(cursor)];
  return {
    page1: await run(first.statement.text, first.values),
    page20: await run(twentieth.statement.text, twentieth.values),
  };
}
