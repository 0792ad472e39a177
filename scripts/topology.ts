// `pnpm topology:up | topology:status | topology:down`: a real multi-node Parley on loopback.
// up: an accounts database, two content shards (each a primary with one streaming replica),
// pgbouncer in front of each primary, Redis, two API processes, two realtime nodes, two workers,
// and HAProxy in front; it prints the public URL, the admin token and every node, then runs in the
// foreground until Ctrl-C (or `topology:down`), which stops everything, HAProxy first, Postgres
// last. Its files live in <PARLEY_DATA_DIR>/topology (kept between runs); state.json says what runs.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, migrateTopology, parseTopology, type TopologyFile } from '../packages/data/src/index.ts';
import { startEmbeddedPostgres, type EmbeddedPg } from './lib/embedded-postgres.ts';
import { freePort } from './lib/free-port.ts';
import { haproxyConfig } from './lib/haproxy.ts';
import { startPgbouncer, type Pgbouncer } from './lib/pgbouncer.ts';
import { replicaLag, replicationSlots, startReplica, type Replica } from './lib/replica.ts';
import { readOrCreateSecret } from './lib/secret-file.ts';
import { startApp, startHaproxy, startMemcached, startRedis, type Running } from './lib/topology-processes.ts';

const say = (line: string) => process.stdout.write(`[topology] ${line}\n`);
const config = loadConfig({ ...process.env, DATABASE_URL: '', PARLEY_TOPOLOGY: '' });
const dir = resolve(config.dataDir, 'topology');
const stateFile = join(dir, 'state.json');

interface State {
  pid: number;
  url: string;
  topology: TopologyFile;
  nodes: { name: string; url: string }[];
}

const stops: { name: string; stop: () => Promise<unknown> }[] = [];

async function up(): Promise<void> {
  const running = await readState();
  if (running && alive(running.pid)) throw new Error(`a topology already runs here (pid ${running.pid}, ${running.url}); \`pnpm topology:down\` stops it`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const password = (await readOrCreateSecret(join(dir, 'pg-password'))).value;
  const adminToken = (await readOrCreateSecret(join(dir, 'admin-token'), () => `pat_${randomBytes(32).toString('hex')}`)).value;
  const secret = (await readOrCreateSecret(join(dir, 'secret'))).value;

  const primary = async (name: string): Promise<EmbeddedPg> => {
    const pg = await startEmbeddedPostgres({ dir: join(dir, name), port: await freePort(), password, log: () => {} });
    stops.push({ name, stop: () => pg.stop() });
    await pg.ensureDatabase('parley');
    say(`${name}: postgres on 127.0.0.1:${pg.port}`);
    return pg;
  };
  const bouncer = async (name: string, pg: EmbeddedPg): Promise<Pgbouncer> => {
    const b = await startPgbouncer({ serverUrl: pg.url('parley'), dir: join(dir, `${name}-pgbouncer`), port: await freePort() });
    stops.push({ name: `${name} pgbouncer`, stop: () => b.stop() });
    say(`${name}: pgbouncer (transaction pooling) on 127.0.0.1:${b.port}`);
    return b;
  };
  const accounts = await primary('accounts');
  const shards = [await primary('content0'), await primary('content1')];
  const replicas: Replica[] = [];
  for (const [i, pg] of shards.entries()) {
    const r = await startReplica(pg, { dir: join(dir, `content${i}-replica1`), log: () => {} });
    stops.push({ name: `content${i} replica`, stop: () => r.stop() });
    say(`content${i}: streaming replica on 127.0.0.1:${r.port}`);
    replicas.push(r);
  }
  const bouncers = [await bouncer('accounts', accounts), await bouncer('content0', shards[0]), await bouncer('content1', shards[1])];
  const topology: TopologyFile = {
    accounts: { primary: accounts.url('parley'), pgbouncer: bouncers[0].url(accounts.url('parley')) },
    content: Object.fromEntries(shards.map((pg, i) => [String(i), { primary: pg.url('parley'), replicas: [replicas[i].url('parley')], pgbouncer: bouncers[i + 1].url(pg.url('parley')) }])),
  };
  const topologyPath = join(dir, 'topology.json');
  await writeFile(topologyPath, `${JSON.stringify(topology, null, 2)}\n`, { mode: 0o600 });
  await migrateTopology(parseTopology(topology, topologyPath), say);

  const redis = await startRedis(await freePort(), dir);
  stops.push({ name: 'redis', stop: redis.stop });
  // the cache tier: a pool of three memcached servers on a ketama ring (docs/adr/0010)
  const memcached: Running[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await startMemcached(await freePort());
    stops.push({ name: m.name, stop: m.stop });
    say(`${m.name}: memcached`);
    memcached.push(m);
  }
  const env = { PARLEY_TOPOLOGY: topologyPath, DATABASE_URL: '', REDIS_URL: redis.url, MEMCACHED_SERVERS: memcached.map((m) => m.url).join(','), PARLEY_ADMIN_TOKEN: adminToken, PARLEY_SECRET: secret, PARLEY_TRUST_PROXY: 'true', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const apps: Running[] = [];
  for (const [app, n] of [['worker', 2], ['realtime', 2], ['api', 2]] as const) {
    for (let i = 1; i <= n; i++) {
      const p = await startApp(app, `${app}${i}`, await freePort(), env);
      stops.push({ name: p.name, stop: p.stop });
      say(`${p.name}: ${p.url}`);
      apps.push(p);
    }
  }
  const port = config.port;
  const upstream = (p: Running) => ({ name: p.name, host: '127.0.0.1', port: Number(new URL(p.url).port) });
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, haproxyConfig({ port, api: apps.filter((a) => a.name.startsWith('api')).map(upstream), realtime: apps.filter((a) => a.name.startsWith('realtime')).map(upstream) }));
  const lb = await startHaproxy(cfg, port);
  stops.push({ name: 'haproxy', stop: lb.stop });

  const nodes = [
    { name: 'haproxy', url: lb.url },
    ...apps.map((a) => ({ name: a.name, url: a.url })),
    { name: 'redis', url: redis.url.replace(/\/\/.*@/, '//') },
    ...memcached.map((m) => ({ name: m.name, url: `memcached://${m.url}` })),
    ...bouncers.map((b, i) => ({ name: `${['accounts', 'content0', 'content1'][i]} pgbouncer`, url: `postgres://127.0.0.1:${b.port}` })),
    { name: 'accounts', url: `postgres://127.0.0.1:${accounts.port}` },
    ...shards.map((pg, i) => ({ name: `content${i}`, url: `postgres://127.0.0.1:${pg.port}` })),
    ...replicas.map((r, i) => ({ name: `content${i} replica`, url: `postgres://127.0.0.1:${r.port}` })),
  ];
  await writeFile(stateFile, JSON.stringify({ pid: process.pid, url: lb.url, topology, nodes } satisfies State), { mode: 0o600 });
  process.stdout.write(['', `  Parley (topology) is running at ${lb.url}`, `  admin token: ${adminToken}  (${join(dir, 'admin-token')})`, `  topology:    ${topologyPath}`,
    ...nodes.map((n) => `  ${n.name.padEnd(18)} ${n.url}`), '  Ctrl-C or `pnpm topology:down` stops everything.', '', ''].join('\n'));
}

async function down(reason: string): Promise<void> {
  say(`stopping (${reason})`);
  for (const s of stops.reverse()) {
    await Promise.resolve(s.stop()).catch((err: Error) => say(`stopping ${s.name} failed: ${err.message}`));
  }
  await rm(stateFile, { force: true });
  say('stopped');
}

async function readState(): Promise<State | undefined> {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function status(): Promise<number> {
  const s = await readState();
  if (!s || !alive(s.pid)) {
    say('no topology runs here (`pnpm topology:up` starts one)');
    return 1;
  }
  say(`running (pid ${s.pid}) at ${s.url}`);
  for (const n of s.nodes.filter((x) => x.url.startsWith('http'))) {
    const r = await fetch(`${n.url}/healthz`).catch(() => undefined);
    say(`  ${n.name.padEnd(18)} ${r?.status === 200 ? 'ok' : `unhealthy (${r?.status ?? 'no answer'})`}`);
  }
  for (const [shard, nodes] of Object.entries(s.topology.content)) {
    for (const replica of nodes.replicas ?? []) {
      const lag = await replicaLag(nodes.primary, replica).catch((err: Error) => err);
      say(`  content${shard} replica   ${lag instanceof Error ? `unreachable (${lag.message})` : `replayed ${lag.replayLsn}, ${lag.bytes} bytes behind the primary (${lag.primaryLsn})`}`);
    }
    // a slot whose replica is gone keeps the primary's WAL until it is dropped
    const slots = await replicationSlots(nodes.primary).catch(() => []);
    for (const slot of slots.filter((x) => !x.active)) {
      say(`  content${shard} slot ${slot.name}: no replica streams from it; it holds ${slot.retainedBytes} bytes of WAL (SELECT pg_drop_replication_slot('${slot.name}') if the replica is gone for good)`);
    }
  }
  return 0;
}

async function stopRunning(): Promise<number> {
  const s = await readState();
  if (!s || !alive(s.pid)) {
    say('no topology runs here');
    return 0;
  }
  process.kill(s.pid, 'SIGTERM');
  for (let i = 0; i < 600 && alive(s.pid); i++) await new Promise((ok) => setTimeout(ok, 100));
  say(alive(s.pid) ? `pid ${s.pid} did not stop within 60 s` : 'stopped');
  return alive(s.pid) ? 1 : 0;
}

const command = process.argv[2];
if (command === 'status') process.exit(await status());
if (command === 'down') process.exit(await stopRunning());
if (command !== 'up') {
  process.stderr.write('usage: node scripts/topology.ts up|status|down\n');
  process.exit(2);
}
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void down(signal).then(() => process.exit(0));
  });
}
try {
  await up();
} catch (err) {
  say(`start failed: ${(err as Error).message}`);
  stopping = true;
  await down('start failed');
  process.exit(1);
}
