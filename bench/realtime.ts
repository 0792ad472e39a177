// `pnpm bench:realtime`: the realtime tier's three figures, beside a bare `ws` server measured in
// the same run under the same client load.
//
//   node bench/realtime.ts [--subscribers=10000] [--threads=1000] [--rate=200] [--seconds=30]
//                          [--warmup=3] [--rounds=5] [--connections=100000] [--client-procs=2]
//                          [--skip=embedded,redis,redis-2nodes,ceiling,ceiling-2procs,connections] [--profile]
//                          [--coalesce-ms=N] [--ping-seconds=N]   (experiments, labelled as such)
//
// 1. End-to-end delay: comments at `rate`/s to random threads, `subscribers` clients spread evenly
//    over `threads` threads (one subscription each); per delivery, the subscriber's receipt minus
//    the API's 2xx, both on this process's clock (the load-generator processes' clocks are
//    calibrated against it). Two layouts: embedded (`pnpm start`'s one process, scripts/start.ts:
//    API + realtime + worker, NOTIFY) and Redis (apps/api/src/main.ts publishing to Redis, a
//    standalone realtime node, apps/realtime/src/main.ts).
// 2. Fan-out: every client also subscribes to one hot thread; one comment there, from the 2xx until
//    the last client has it; `rounds` times. Also scaled out, fan-out only: two standalone nodes
//    sharing Redis with half the clients each (redis-2nodes), and two ceiling processes, the one
//    posted to passing the frame to the other (ceiling-2procs).
// 3. Connections: a fresh standalone node; clients added in steps from several loopback source
//    addresses; its VmRSS per connection, idle and then with one subscription each.
// The ceiling: realtime-ceiling.ts (ws, no Parley) answers a POST and sends a frame of the real
// size to the thread's subscribers; the same clients, the same rate, the same fan-out.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, args, benchMain, log, machineInfo, onCleanup, pool } from './lib/run.ts';
import { startBenchPostgres } from './lib/postgres.ts';
import { waitForQuiet } from './lib/cpu.ts';
import { freePort } from '../scripts/lib/free-port.ts';
import { REALTIME_PATH } from '../apps/realtime/src/index.ts';
import { ClientFleet } from './lib/realtime-clients.ts';
import { grantableNofile, nofileLimits, spawnProcess, startRedis, type Proc } from './lib/processes.ts';
import { PARLEY_NODE_FLAGS, startAllInOne, startApp } from './lib/apps.ts';
import { openFds } from './lib/cpu.ts';
import { measureDelay, measureFanout, type DelayResult, type FanoutResult } from './lib/realtime-phases.ts';
import { measureConnections, sourceAddresses, type ConnectionsResult } from './lib/realtime-connections.ts';
import { summarizeProfiles } from './lib/realtime-profile.ts';
import { printSummary } from './lib/realtime-summary.ts';
import { loadConfig } from '../packages/data/src/index.ts';
import type { PostRequest } from './lib/realtime-poster.ts';
import { BENCH_MESSAGE } from './lib/message.ts';

const MESSAGE = BENCH_MESSAGE;

const a = args(['subscribers', 'threads', 'rate', 'seconds', 'warmup', 'rounds', 'connections', 'client-procs', 'skip', 'profile', 'coalesce-ms', 'ping-seconds']);
const subscribers = Number(a.get('subscribers') ?? 10_000);
const threadCount = Number(a.get('threads') ?? 1000);
const rate = Number(a.get('rate') ?? 200);
const seconds = Number(a.get('seconds') ?? 30); // one heartbeat period (PARLEY_REALTIME_PING_SECONDS): one burst of pings per window
const warmup = Number(a.get('warmup') ?? 3);
const rounds = Number(a.get('rounds') ?? 5);
const wantedConnections = Number(a.get('connections') ?? 100_000);
const clientProcs = Number(a.get('client-procs') ?? 2);
const skip = new Set((a.get('skip') ?? '').split(',').filter(Boolean));
const profile = a.has('profile');
/** experiments: the realtime processes' PARLEY_REALTIME_COALESCE_MS / PARLEY_REALTIME_PING_SECONDS instead of the defaults */
const experiment: Record<string, string> = {};
if (a.has('coalesce-ms')) experiment.PARLEY_REALTIME_COALESCE_MS = a.get('coalesce-ms')!;
if (a.has('ping-seconds')) experiment.PARLEY_REALTIME_PING_SECONDS = a.get('ping-seconds')!;
const realtimeConfig = loadConfig({ ...process.env, ...experiment });
const defaultConfig = loadConfig({});
/** the connections figure's node keeps idle clients this long (the default closes them after PARLEY_REALTIME_IDLE_SECONDS) */
const CONNECTIONS_IDLE_SECONDS = 3600;
const LATE_MS = 15;

benchMain('bench:realtime', 900, async () => {
  const machine = machineInfo();
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memory}, Node ${machine.node}`);
  const profDir = profile ? await mkdtemp(join(tmpdir(), 'parley-bench-prof-')) : '';
  const profFlags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  if (profile) onCleanup(() => rm(profDir, { recursive: true, force: true }));

  const pg = await startBenchPostgres({ log: (l) => log(`postgres: ${l}`) });
  onCleanup(pg.stop);
  const adminToken = `pat_${randomBytes(24).toString('hex')}`;
  const apiEnv = { DATABASE_URL: pg.url, PARLEY_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent', PARLEY_WRITE_RATE_PER_MINUTE: '0', REDIS_URL: undefined };
  if (Object.keys(experiment).length) log(`EXPERIMENT: the realtime processes run with ${JSON.stringify(experiment)}`);
  const stopLater = <P extends Proc>(p: P): P => {
    onCleanup(p.stop);
    return p;
  };

  // The embedded layout's process also serves the setup: a forum, the threads and the hot thread.
  const embedded = stopLater(await startAllInOne({ name: 'pnpm start', nodeFlags: profFlags, env: { ...apiEnv, ...experiment } }));
  /** what each layout ran, for the summary */
  const flags = `node ${PARLEY_NODE_FLAGS.join(' ')}`;
  const layouts: Record<string, string> = {
    embedded: `pnpm start's one process (scripts/start.ts: API + realtime + worker; ${flags}), NOTIFY`,
    redis: `apps/api/src/main.ts publishing to redis-server, one standalone node apps/realtime/src/main.ts (${flags})`,
    'redis-2nodes': 'the same API and Redis, two standalone nodes, half the clients each',
    ceiling: 'bench/lib/realtime-ceiling.ts, a bare ws server answering the POST',
    'ceiling-2procs': 'two of them, the one posted to passing each frame to the other',
  };
  log(`embedded layout: ${embedded.url} (pid ${embedded.pid}), ${layouts.embedded}`);
  await api(embedded.url, 'POST', '/v1/forums', { slug: 'bench', name: 'Bench' }, adminToken);
  const threadIds: string[] = new Array(threadCount);
  let hot = '';
  await pool([...Array(threadCount + 1).keys()], 8, async (i) => {
    const { thread } = await api<{ thread: { id: string } }>(embedded.url, 'POST', '/v1/forums/bench/threads', { identifier: `bench-${i}`, title: `Bench thread ${i}` });
    if (i < threadCount) threadIds[i] = thread.id;
    else hot = thread.id;
  });
  const threadIndex = new Map(threadIds.map((t, i) => [t, i]));
  const subscribersOf = (t: string) => Math.floor(subscribers / threadCount) + ((threadIndex.get(t) ?? 0) < subscribers % threadCount ? 1 : 0);
  log(`setup: ${threadCount} threads, hot thread ${hot}; ${subscribers.toLocaleString('en-US')} subscribers, ${subscribers / threadCount} per thread`);

  const body = JSON.stringify({ message: MESSAGE, author: { name: 'Bench Guest', email: 'guest@example.com' } });
  const randomThread = () => threadIds[Math.floor(Math.random() * threadIds.length)];
  const comment = (t: string): PostRequest => ({ threadId: t, path: `/v1/threads/${t}/posts`, body });
  // a fresh block of loopback source addresses per phase, and per run (see sourceAddresses)
  let addressBlock = 1 + Math.floor(Math.random() * 200);
  const addresses: string[] = [];
  let fleet = await ClientFleet.start(clientProcs);
  onCleanup(() => fleet.stop());
  log(`load generator: ${fleet.size} processes (pids ${fleet.pids.join(', ')}), clocks ${fleet.clock.map((c) => `${c.offsetMs.toFixed(3)} ms ± ${(c.rttMs / 2).toFixed(3)}`).join(', ')}`);

  const clocks: string[] = [];
  const delays: DelayResult[] = [];
  const fanouts: FanoutResult[] = [];
  /**
   * One layout: the clients split evenly over `servers` (websocket URLs, named for the report),
   * one subscription each over the threads, then the delay phase (single-server layouts) and the
   * fan-out. A fan-out-only layout runs 2 unrecorded fan-out rounds first, as the delay phase warms
   * the others. `ceilings`: ceiling processes whose send-loop times the report shows.
   */
  const layout = async (o: { label: string; servers: Record<string, string>; http: string; pids: Record<string, number[]>; request: (t: string, i: number) => PostRequest;
    delay: boolean; ceilings?: Proc[] }) => {
    const { label } = o;
    const from = sourceAddresses(subscribers, addressBlock++);
    addresses.push(`${label} ${from.join(', ')}`);
    const names = Object.keys(o.servers);
    const firstG: number[] = [];
    let connected = 0;
    let failed = 0;
    for (const [i, url] of Object.values(o.servers).entries()) {
      firstG.push(connected + failed);
      const c = await fleet.connect(url, Math.floor(subscribers / names.length) + (i < subscribers % names.length ? 1 : 0), from);
      connected += c.connected;
      failed += c.failed;
    }
    const s = await fleet.subscribe(threadIds);
    log(`${label}: ${connected.toLocaleString('en-US')} clients connected (${failed} failed)${names.length > 1 ? ` over ${names.join(', ')}` : ''}, ` +
      `${s.subscribed.toLocaleString('en-US')} subscribed${Object.keys(s.errors).length ? `, errors ${JSON.stringify(s.errors)}` : ''}`);
    if (connected !== subscribers || s.subscribed !== subscribers) throw new Error(`${label}: not every client is connected and subscribed`);
    await fleet.calibrate();
    clocks.push(`${label} ${fleet.clock.map((x) => `${x.offsetMs.toFixed(3)} ± ${(x.rttMs / 2).toFixed(3)} ms`).join(', ')}`);
    const allPids = { ...o.pids, clients: fleet.pids, bench: [process.pid] };
    let d: DelayResult | undefined;
    if (o.delay) {
      await waitForQuiet(log);
      d = await measureDelay({ label: `${label} delay`, fleet, base: o.http, rate, seconds, warmup, request: (i) => o.request(randomThread(), i), subscribersOf,
        coalesceMs: o.ceilings ? 0 : realtimeConfig.realtimeCoalesceMs, lateMs: LATE_MS, pids: allPids, postmaster: pg.postmasterPid, log });
      delays.push(d);
      log(`${label} delay: ${d.delivered.toLocaleString('en-US')} of ${d.expected.toLocaleString('en-US')} deliveries, p50 ${d.delay.p50.toFixed(2)} ms, p99 ${d.delay.p99.toFixed(2)} ms, max ${d.delay.max.toFixed(1)} ms`);
    }
    const h = await fleet.subscribe([hot]);
    if (h.subscribed !== subscribers) throw new Error(`${label}: only ${h.subscribed} clients subscribed to the hot thread`);
    await waitForQuiet(log);
    const serverOf = names.length > 1 ? (g: number) => names[firstG.findLastIndex((x) => x <= g)] : undefined;
    const f = await measureFanout({ label: `${label} fan-out`, fleet, base: o.http, threadId: hot, subscribers, rounds, warmupRounds: o.delay ? 0 : 2,
      request: (r) => o.request(hot, 900_000 + r), pids: allPids, serverOf, servers: names.length, log });
    f.sendLoopMs = o.ceilings && Object.fromEntries(o.ceilings.map((p, i) => [names[i], p.tail.filter((l) => l.startsWith('{"sent":')).slice(-rounds).map((l) => (JSON.parse(l) as { ms: number }).ms)]));
    fanouts.push(f);
    const st = await fleet.stats();
    const closed = st.reduce((x, y) => x + y.closedEarly, 0);
    if (closed) log(`${label}: ${closed} clients were closed by the server during the run`);
    await fleet.disconnect();
    return d;
  };

  let sampleFrame: string | undefined;
  if (!skip.has('embedded')) {
    const d = await layout({ label: 'embedded', servers: { embedded: `${embedded.url.replace(/^http/, 'ws')}${REALTIME_PATH}` }, http: embedded.url, pids: { parley: [embedded.pid] },
      request: comment, delay: true });
    sampleFrame = d?.sampleFrame;
  }
  await embedded.stop();

  let redisVersion = '';
  if (!skip.has('redis') || !skip.has('redis-2nodes')) {
    const redis = stopLater(await startRedis(await freePort()));
    redisVersion = redis.version;
    const apiProc = stopLater(await startApp('api', { env: { ...apiEnv, REDIS_URL: redis.url } }));
    const realtimeNode = async (name: string) => stopLater(await startApp('realtime', { name, nodeFlags: profFlags, env: { DATABASE_URL: pg.url, REDIS_URL: redis.url, ...experiment } }));
    if (!skip.has('redis')) {
      const rt = await realtimeNode('realtime node');
      log(`redis layout: redis ${redis.version} (pid ${redis.pid}), API ${apiProc.url} (pid ${apiProc.pid}), realtime node ${rt.url} (pid ${rt.pid})`);
      const d = await layout({ label: 'redis', servers: { realtime: rt.url }, http: apiProc.url, pids: { api: [apiProc.pid], realtime: [rt.pid], redis: [redis.pid] }, request: comment, delay: true });
      sampleFrame ??= d?.sampleFrame;
      await rt.stop();
    }
    if (!skip.has('redis-2nodes')) {
      // scaled out as documented: two fresh standalone nodes on the same Redis, half the clients each
      const a = await realtimeNode('realtime node a');
      const b = await realtimeNode('realtime node b');
      log(`redis-2nodes layout: redis (pid ${redis.pid}), API ${apiProc.url} (pid ${apiProc.pid}), realtime nodes ${a.url} (pid ${a.pid}) and ${b.url} (pid ${b.pid})`);
      await layout({ label: 'redis-2nodes', servers: { 'realtime-a': a.url, 'realtime-b': b.url }, http: apiProc.url,
        pids: { api: [apiProc.pid], 'realtime-a': [a.pid], 'realtime-b': [b.pid], redis: [redis.pid] }, request: comment, delay: false });
      await a.stop();
      await b.stop();
    }
    await apiProc.stop();
    await redis.stop();
  }

  if (!skip.has('ceiling') || !skip.has('ceiling-2procs')) {
    if (!sampleFrame) throw new Error('the ceiling needs a frame Parley sent: run the embedded or the redis layout too');
    const sample = JSON.parse(sampleFrame) as { events: { post: Record<string, unknown> }[] };
    const frameFor = (t: string, id: string) => JSON.stringify({ ...sample, threadId: t, events: [{ ...sample.events[0], post: { ...sample.events[0].post, id, threadId: t } }] });
    log(`ceiling frame: ${Buffer.byteLength(sampleFrame)} bytes (a PostCreated events frame Parley sent, ids replaced)`);
    const ceilingProc = async (name: string, env: Record<string, string> = {}) =>
      stopLater(await spawnProcess({ name, program: new URL('./lib/realtime-ceiling.ts', import.meta.url), env, ready: 'json' }));
    const ws = (p: Proc) => `${p.url.replace(/^http/, 'ws')}${REALTIME_PATH}`;
    const synthetic = (t: string, i: number): PostRequest => {
      const id = `9${String(i).padStart(9, '0')}`;
      return { threadId: t, path: `/publish?thread=${t}`, body: frameFor(t, id), id };
    };
    if (!skip.has('ceiling')) {
      const ceiling = await ceilingProc('ws ceiling');
      log(`ceiling: bare ws server ${ceiling.url} (pid ${ceiling.pid})`);
      await layout({ label: 'ceiling', servers: { ceiling: ws(ceiling) }, http: ceiling.url, pids: { ceiling: [ceiling.pid] }, request: synthetic, delay: true, ceilings: [ceiling] });
      await ceiling.stop();
    }
    if (!skip.has('ceiling-2procs')) {
      const b = await ceilingProc('ws ceiling b');
      const a = await ceilingProc('ws ceiling a', { CEILING_PEER: b.url });
      log(`ceiling-2procs: bare ws servers ${a.url} (pid ${a.pid}, posted to, passes each frame to b) and ${b.url} (pid ${b.pid})`);
      await layout({ label: 'ceiling-2procs', servers: { 'ceiling-a': ws(a), 'ceiling-b': ws(b) }, http: a.url, pids: { 'ceiling-a': [a.pid], 'ceiling-b': [b.pid] },
        request: synthetic, delay: false, ceilings: [a, b] });
      await a.stop();
      await b.stop();
    }
  }

  let connections: (ConnectionsResult & { target: number; limitWhy: string; limit: number; idleSeconds: number }) | undefined;
  if (!skip.has('connections')) {
    const grant = grantableNofile(wantedConnections + 1000);
    const startedAt = performance.now();
    const rt = stopLater(await startApp('realtime', {
      name: 'realtime node (connections)', nofile: grant.limit,
      env: { DATABASE_URL: pg.url, REDIS_URL: undefined, PARLEY_REALTIME_IDLE_SECONDS: String(CONNECTIONS_IDLE_SECONDS), ...experiment },
    }));
    await new Promise((ok) => setTimeout(ok, 1000));
    const target = Math.min(wantedConnections, grant.limit - openFds(rt.pid) - 64);
    log(`connections: open-files limit of the realtime process ${grant.limit} (${grant.why}); target ${target.toLocaleString('en-US')} connections`);
    await fleet.stop();
    const perProcess = nofileLimits().soft - 200;
    fleet = await ClientFleet.start(Math.max(clientProcs, Math.ceil(target / perProcess)));
    await waitForQuiet(log);
    const r = await measureConnections({ node: rt, fleet, target, steps: 3, threadIds, addressBlock: addressBlock++, heartbeat: { startedAt, pingSeconds: realtimeConfig.realtimePingSeconds }, log });
    connections = { ...r, target, limit: grant.limit, limitWhy: grant.why, idleSeconds: CONNECTIONS_IDLE_SECONDS };
    await fleet.disconnect();
    await rt.stop();
  }

  const profiles = profile ? summarizeProfiles(profDir) : [];
  printSummary({
    machine, pgVersion: pg.version, redisVersion, subscribers, threadCount, rate, seconds, warmup, rounds, clientProcs,
    layouts, addresses, clocks, delays, fanouts, connections, wantedConnections, profiles, experiment,
    coalesceMs: realtimeConfig.realtimeCoalesceMs, pingSeconds: realtimeConfig.realtimePingSeconds, lateMs: LATE_MS,
    defaults: { coalesceMs: defaultConfig.realtimeCoalesceMs, pingSeconds: defaultConfig.realtimePingSeconds },
  });
});
