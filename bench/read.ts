// `pnpm bench:read`: a thread of 1,000 comments read a page at a time. Page 1 and page 20 (by
// keyset cursor) of GET /v1/threads/:id/posts?limit=50, beside plain node:http ceilings in the
// same run: a 5-byte hello, and the very bytes of page 1 served from memory.
//
//   node bench/read.ts [--connections=32] [--seconds=20] [--warmup=5] [--posts=1000] [--pool=16]
//                      [--named-statements]   (an experiment: see lib/named-statements.ts)
//                      [--router]   also page 1 through the topology router and a streaming replica
//                      [--haproxy]  also page 1 from two API processes behind HAProxy
//
// --router: the router's overhead (issue 12). A streaming replica of the benchmark's Postgres and
// a second API process opened on a topology file naming it; page 1 through that process (read
// from the replica) beside page 1 from the first (one database, no router choice), in this run.
//
// There is no HTTP or query cache in front of the API, so every request here runs its queries.
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
import { PARLEY_NODE_FLAGS, startApp } from './lib/apps.ts';
import { spawnProcess } from './lib/processes.ts';
import { describeLoad, fmt, runLoad, type LoadResult } from './lib/load.ts';
import { statementsPerRequest } from './lib/query-count.ts';
import { coresUsed, sampleCpu, waitForQuiet, type CoresUsed } from './lib/cpu.ts';

const TARGET_PAGE20_COST = 1.2;
const a = args(['connections', 'seconds', 'warmup', 'posts', 'pool', 'named-statements', 'router', 'haproxy']);
const router = a.has('router');
const behindHaproxy = a.has('haproxy');
const TARGET_ROUTER_OVERHEAD = 0.05;
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

benchMain('bench:read', 240 + connections.length * 4 * (seconds + warmup + 70), async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);
  const pg = await startBenchPostgres({ log: (l) => log(`postgres: ${l}`) });
  onCleanup(pg.stop);
  log(`postgres ${pg.version}: ${Object.entries(pg.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);

  const adminToken = `pat_${randomBytes(24).toString('hex')}`;
  const server = await startApp('api', {
    nodeFlags: apiFlags,
    env: { DATABASE_URL: pg.url, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: String(poolSize) },
  });
  onCleanup(server.stop);
  log(`api: ${server.url} (pid ${server.pid}, PARLEY_DB_POOL_SIZE=${poolSize})`);

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

  const counted = await statementsPerRequest(pg.url, [
    { label: 'page 1', method: 'GET', url: page1.url },
    { label: 'page 20', method: 'GET', url: page20.url },
  ]);
  for (const c of counted) log(`statements for ${c.label}: ${c.statements.length} (${c.statements.join(' | ')})`);
  const plans = await explainPages(pg.query, thread.id, page20.url);
  log(`EXPLAIN ANALYZE page 1: ${plans.page1}; page 20: ${plans.page20}`);

  const pageFile = join(tmpdir(), `parley-bench-page-${process.pid}.json`);
  await writeFile(pageFile, page1.body);
  onCleanup(() => rm(pageFile, { force: true }));
  const ceiling = await spawnProcess({ name: 'node:http ceiling', program: new URL('./lib/hello-server.ts', import.meta.url), args: [pageFile], ready: 'json' });
  onCleanup(ceiling.stop);

  let routed: { url: string; pid: number } | undefined;
  if (router) {
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-replica-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755);
    const replica = await startReplica(pg.server, { dir: join(dir, 'pg'), flags: ['-c', 'shared_buffers=256MB', '-c', 'max_connections=300'], log: (l) => log(`replica: ${l}`) });
    onCleanup(() => replica.stop());
    const file = join(dir, 'topology.json');
    await writeFile(file, JSON.stringify({ accounts: { primary: pg.url }, content: { '0': { primary: pg.url, replicas: [replica.url('parley_bench')] } } }));
    const viaRouter = await startApp('api', {
      nodeFlags: apiFlags,
      env: { PARLEY_TOPOLOGY: file, DATABASE_URL: '', PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: String(poolSize) },
    });
    onCleanup(viaRouter.stop);
    // the first read asks about the replica; wait until the router sends reads there
    for (let i = 0; ; i++) {
      const health = await (await fetch(`${viaRouter.url}/healthz`)).json() as { replicas?: { state: string }[] };
      await fetch(viaRouter.url + page1.url);
      if (health.replicas?.[0]?.state === 'ok') break;
      if (i > 100) throw new Error(`the replica never joined the rotation: ${JSON.stringify(health)}`);
      await pause(100);
    }
    routed = { url: viaRouter.url, pid: viaRouter.pid };
    log(`router: ${viaRouter.url} reads page 1 from the streaming replica on port ${replica.port}`);
  }

  // --haproxy: a second API process on the same database, HAProxy (scripts/lib/haproxy.ts) in front of both
  let balanced: { url: string; pid: number } | undefined;
  if (behindHaproxy) {
    const second = await startApp('api', {
      nodeFlags: apiFlags,
      env: { DATABASE_URL: pg.url, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', PARLEY_DB_POOL_SIZE: String(poolSize) },
    });
    onCleanup(second.stop);
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-haproxy-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const upstream = (name: string, url: string) => ({ name, host: '127.0.0.1', port: Number(new URL(url).port) });
    await writeFile(join(dir, 'haproxy.cfg'), haproxyConfig({ port, api: [upstream('api1', server.url), upstream('api2', second.url)] }));
    const lb = await startHaproxy(join(dir, 'haproxy.cfg'), port);
    onCleanup(async () => void (await lb.stop()));
    balanced = { url: lb.url, pid: second.pid };
    log(`haproxy: ${lb.url} in front of ${server.url} and ${second.url}`);
  }

  const results: { label: string; r: LoadResult; cpu: CoresUsed }[] = [];
  const phase = async (label: string, target: string, path: string, c: number, pid: number) => {
    await pause(1000);
    await waitForQuiet(log);
    await runLoad({ label: `${label} warm-up`, url: target + path, connections: c, seconds: warmup, log });
    const before = sampleCpu({ api: pid, postmaster: pg.postmasterPid });
    const r = await runLoad({ label: `${label} ${c} conns`, url: target + path, connections: c, seconds, log });
    results.push({ label, r, cpu: coresUsed(before, sampleCpu({ api: pid, postmaster: pg.postmasterPid })) });
    log(`${label} ${c} conns: ${describeLoad(r)}`);
  };
  for (const c of connections) {
    await phase('API page 1', server.url, page1.url, c, server.pid);
    if (routed) await phase('API page 1 via router', routed.url, page1.url, c, routed.pid);
    // cores: "api" is the second process; the first and HAProxy count under "other processes"
    if (balanced) await phase('2 APIs behind HAProxy', balanced.url, page1.url, c, balanced.pid);
    await phase('API page 20', server.url, page20.url, c, server.pid);
    await phase('node:http hello', ceiling.url, '/hello', c, ceiling.pid);
    await phase('node:http page-1 bytes', ceiling.url, '/page', c, ceiling.pid);
  }

  const line = (s = '') => process.stdout.write(`${s}\n`);
  line();
  line(`== bench:read summary, ${new Date().toISOString()} ==`);
  line(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${pg.version}`);
  line(`api: one process, apps/api/src/main.ts (node ${PARLEY_NODE_FLAGS.join(' ')})${namedStatements ? ' (EXPERIMENT: named prepared statements, not how Parley runs)' : ''}, PARLEY_DB_POOL_SIZE=${poolSize}; thread of ${postCount} comments (${shape}); limit=${PAGE}; ${seconds} s per phase after a ${warmup} s warm-up`);
  line(`page 1 ${fmt(page1.body.length)} bytes, page 20 ${fmt(page20.body.length)} bytes; statements per page: ${counted.map((c) => `${c.label} ${c.statements.length}`).join(', ')}`);
  line(`EXPLAIN ANALYZE (listing statement only): page 1 ${plans.page1}; page 20 ${plans.page20}`);
  line();
  for (const { label, r, cpu } of results) {
    const server = label.startsWith('API') ? 'api' : 'server';
    line(`${label.padEnd(24)} ${String(r.connections).padStart(3)} conns: ${describeLoad(r)}`);
    line(`${''.padEnd(28)}cores: ${server} ${fmt(cpu.api, 2)}, postgres ${fmt(cpu.postgres, 2)}, autocannon ${fmt(cpu.loadgen, 2)}, other processes ${fmt(cpu.other, 2)}; ` +
      `${server} CPU ${fmt((cpu.api / Math.max(1, r.rate)) * 1e6)} µs per request`);
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
  }
});

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
