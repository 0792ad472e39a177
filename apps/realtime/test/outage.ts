// Shared by the outage e2e tests: a standalone realtime node process on its own killable
// Postgres (test/harness/postgres.ts), an API writing to that database, and small waits.
import type { Test } from 'tap';
import { loadConfig, openDatabase } from '@parley/data';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { ownPostgres } from '../../../test/harness/postgres.ts';
import type { EmbeddedPg } from '../../../scripts/lib/embedded-postgres.ts';
import type { Client } from '../../../test/harness/realtime.ts';
import type { TestRedis } from '../../../test/harness/redis.ts';
import { startNode, type NodeProcess } from './node-process.ts';

export const DELIVERY_MS = 20_000;
export const SWEEP_MS = 300;

export interface Stack {
  pg: EmbeddedPg;
  api: TestApi;
  node: NodeProcess;
}

export async function stack(t: Test, redis?: TestRedis, opts: { down?: boolean } = {}): Promise<Stack> {
  const { pg } = await ownPostgres(t);
  if (opts.down) await pg.kill('SIGKILL');
  const db = openDatabase(loadConfig({}, { databaseUrl: pg.url('parley') }), { poolSize: 5 });
  t.teardown(() => db.close());
  const api = await testApi(t, redis ? { redisUrl: redis.url } : {}, db);
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: pg.url('parley'),
    REDIS_URL: redis?.url,
    HOST: '127.0.0.1',
    PARLEY_REALTIME_PORT: '0',
    PARLEY_REALTIME_SWEEP_MS: String(SWEEP_MS),
    PARLEY_DB_POOL_SIZE: '3',
    LOG_LEVEL: 'info',
  };
  if (!redis) delete env.REDIS_URL;
  const node = await startNode(t, 'A', env, { waitForBus: !opts.down });
  return { pg, api, node };
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export async function writePosts(api: TestApi, threadId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await api.post(threadId);
}

export async function pong(c: Client): Promise<void> {
  c.ws.send(JSON.stringify({ op: 'ping' }));
  await c.next((f) => f.op === 'pong', 10_000);
}

/** Watches the node for `ms`: every /healthz answers `status`, and the process stays up. */
export async function holds(t: Test, node: NodeProcess, status: number, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  const seen = new Set<number>();
  let polls = 0;
  while (Date.now() < end) {
    seen.add((await node.healthz()).status);
    polls++;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  t.same([...seen], [status], `${what}: /healthz answered ${status} ${polls} times over ${ms} ms`);
  t.ok(node.alive(), `${what}: the node process is up`);
}
