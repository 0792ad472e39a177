// The whole stack as separate real processes on loopback ports, for chaos and soak: an embedded
// Postgres, optionally a Redis (the realtime fast path), a standalone API, a standalone worker and
// a standalone realtime node. Ports are chosen once, so a restarted process comes back where its
// clients look for it. Everything lives in one temp directory that a guardian process
// (reaper.ts) removes, and whose processes it kills, however the run ends.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../packages/data/src/migrate.ts';
import { freePort } from '../../scripts/lib/free-port.ts';
import { REALTIME_PATH } from '../../apps/realtime/src/index.ts';
import { NodeService } from './stack-node.ts';
import { PostgresService } from './stack-postgres.ts';
import { RedisService } from './stack-redis.ts';
import type { Death, Service, ServiceHooks, ServiceName } from './stack-service.ts';
import { PARLEY_NODE_FLAGS } from '../../scripts/lib/node-flags.ts';

export type { Death, ServiceName } from './stack-service.ts';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const DATABASE = 'parley';

export interface StackOptions {
  redis: boolean;
  log: (line: string) => void;
  /** extra environment for the API, worker and realtime processes */
  env?: Record<string, string>;
  /** start the Node processes with --expose-gc, so a sample may ask for the live heap after a GC */
  exposeGc?: boolean;
}

export interface Stack {
  apiUrl: string;
  realtimeUrl: string;
  databaseUrl: string;
  adminToken: string;
  postgres: PostgresService;
  redis?: RedisService;
  api: NodeService;
  worker: NodeService;
  realtime: NodeService;
  /** in start order */
  services: Service[];
  nodeServices: NodeService[];
  service(name: ServiceName): Service | undefined;
  deaths(): Death[];
  /** ms since the stack started */
  clock(): number;
  /** every process up and every /healthz answering 200 */
  healthy(): Promise<boolean>;
  waitHealthy(deadlineMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const started = Date.now();
  const clock = () => Date.now() - started;
  const reaper = spawn(process.execPath, [root('reliability/lib/reaper.ts')], { stdio: ['pipe', 'ignore', 'inherit'], detached: true });
  reaper.unref();
  const tell = (m: object) => reaper.stdin!.write(`${JSON.stringify(m)}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'parley-reliability-'));
  await chmod(dir, 0o755); // as root, postgres runs as its own user and must enter this directory
  tell({ dir });

  const deaths: Death[] = [];
  const hooks: ServiceHooks = {
    log: o.log,
    clock,
    onDeath(d) {
      deaths.push(d);
      o.log(`!! ${d.service} (pid ${d.pid}) died on its own, ${d.exit}, after ${(d.upMs / 1000).toFixed(1)} s up: ${d.error}`);
    },
    track: (pid) => tell({ pid }),
    release: (pid) => tell({ release: pid }),
  };

  const [pgPort, redisPort, apiPort, realtimePort, workerPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const adminToken = `pat_${randomBytes(32).toString('hex')}`;
  const secret = randomBytes(16).toString('hex'); // one for every API and worker process
  const postgres = new PostgresService(hooks, join(dir, 'pg'), pgPort, randomBytes(12).toString('hex'), [
    // fsync and full-page writes protect against a machine crash, which a process kill is not;
    // synchronous_commit stays on: with it off, a killed server loses commits it acknowledged.
    '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  const redis = o.redis ? new RedisService(hooks, redisPort, dir) : undefined;

  let databaseUrl = '';
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = (): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis?.url ?? '',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PARLEY_REALTIME_PORT: String(realtimePort),
    PARLEY_WORKER_HEALTH_PORT: String(workerPort),
    PARLEY_ADMIN_TOKEN: adminToken,
    PARLEY_SECRET: secret,
    PARLEY_PUBLIC_URL: apiUrl,
    PARLEY_WRITE_RATE_PER_MINUTE: '0',
    PARLEY_VOTE_RATE_PER_MINUTE: '0',
    PARLEY_FLAG_RATE_PER_HOUR: '0',
    // a killed worker's jobs are retried once their heartbeat lapses; look for them every 2 s
    PARLEY_WORKER_MONITOR_SECONDS: '2',
    LOG_LEVEL: 'info',
    ...o.env,
  });
  // the processes run as the product runs them (PARLEY_NODE_FLAGS), plus --expose-gc for the live-heap samples
  const flags = [...PARLEY_NODE_FLAGS, ...(o.exposeGc ? ['--expose-gc'] : [])];
  const api = new NodeService('api', hooks, root('apps/api/src/main.ts'), env, /api: listening on /, flags);
  const worker = new NodeService('worker', hooks, root('apps/worker/src/main.ts'), env, /worker: pg-boss started/, flags);
  const realtime = new NodeService('realtime', hooks, root('apps/realtime/src/main.ts'), env, /realtime: listening on /, flags);
  const nodeServices = [api, worker, realtime];
  const services: Service[] = [postgres, ...(redis ? [redis] : []), ...nodeServices];

  const health = async (url: string) => {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200;
    } catch {
      return false;
    }
  };
  const healthy = async () =>
    services.every((s) => s.running()) &&
    (await Promise.all([`${apiUrl}/healthz`, `http://127.0.0.1:${realtimePort}/healthz`, `http://127.0.0.1:${workerPort}/healthz`].map(health))).every(Boolean);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(nodeServices.map((s) => s.stop()));
    await redis?.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
    tell({ releaseDir: dir });
    reaper.stdin!.end();
  };

  try {
    o.log(`stack: Postgres on 127.0.0.1:${pgPort}${redis ? `, Redis on ${redisPort}` : ''}, API ${apiUrl}, realtime ${realtimePort}, worker health ${workerPort}; files in ${dir}`);
    await postgres.start();
    await postgres.ensureDatabase(DATABASE);
    databaseUrl = postgres.url(DATABASE);
    await migrate(databaseUrl, () => {});
    await redis?.start();
    await Promise.all(nodeServices.map((s) => s.start()));
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }

  return {
    apiUrl,
    realtimeUrl: `ws://127.0.0.1:${realtimePort}${REALTIME_PATH}`,
    databaseUrl,
    adminToken,
    postgres,
    redis,
    api,
    worker,
    realtime,
    services,
    nodeServices,
    service: (name) => services.find((s) => s.name === name),
    deaths: () => [...deaths],
    clock,
    healthy,
    async waitHealthy(deadlineMs) {
      const end = Date.now() + deadlineMs;
      for (;;) {
        if (await healthy()) return true;
        if (Date.now() > end) return false;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    },
    stop,
  };
}
