// `pnpm topology:up` for real (scripts/topology.ts): three Postgres primaries, two streaming
// replicas, three pgbouncers, Redis, three memcached, two APIs, two realtime nodes, two workers and HAProxy on
// loopback. Through HAProxy: forums on both shards, a comment on shard 1 answered with its commit
// position and counted by the workers; `topology:status` reports every node; `topology:down`
// stops it all and the up process exits 0.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { freePort } from '../scripts/lib/free-port.ts';
import { dyingWithParent } from '../scripts/lib/binaries.ts';
import { until } from './harness/until.ts';

const script = new URL('../scripts/topology.ts', import.meta.url).pathname;

t.test('topology:up, a comment through HAProxy on shard 1, topology:status, topology:down', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-topology-up-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env = { ...process.env, PARLEY_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: '', PARLEY_TOPOLOGY: '' };
  const [cmd, args] = dyingWithParent(process.execPath, [script, 'up']);
  const up = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  up.stdout.on('data', (d) => (out += d));
  up.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((ok) => up.once('exit', (code) => ok(code)));
  t.teardown(async () => {
    if (!t.passing()) t.comment(out.slice(-4000));
    if (up.exitCode === null) {
      up.kill('SIGTERM');
      await exited;
    }
  });
  await until('the topology to come up', 150_000, async () => {
    if (up.exitCode !== null) throw new Error(`topology:up exited ${up.exitCode}: ${out}`);
    return out.includes('`pnpm topology:down` stops everything') ? true : undefined;
  }, 200);
  const url = `http://127.0.0.1:${port}`;
  t.match(out, new RegExp(`Parley \\(topology\\) is running at ${url}`), 'prints the public URL');
  for (const node of ['haproxy', 'api1', 'api2', 'realtime1', 'realtime2', 'worker1', 'worker2', 'redis', 'content0 replica', 'content1 replica', 'content1 pgbouncer']) t.match(out, node, `lists ${node}`);
  const adminToken = (await readFile(join(dataDir, 'topology', 'admin-token'), 'utf8')).trim();
  t.match(out, adminToken, 'prints the admin token');

  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };
  for (const shard of [0, 1]) t.equal((await call('POST', '/v1/forums', { slug: `site-${shard}`, name: `Site ${shard}`, shard }, adminToken)).status, 201, `a forum on shard ${shard}`);
  const thread = (await call('POST', '/v1/forums/site-1/threads', { identifier: 'page' })).body.thread;
  const post = await call('POST', `/v1/threads/${thread.id}/posts`, { message: 'through the whole topology', author: { name: 'A', email: 'a@example.com' } });
  t.equal(post.status, 201);
  t.match(post.headers.get('parley-lsn'), /^content\.1:/, 'answered with its commit position on shard 1');
  const counted = await until('the workers to count it', 30_000, async () => {
    const r = await call('GET', `/v1/threads/${thread.id}`);
    return r.body.thread.postCount === 1 ? r : undefined;
  });
  t.equal(counted.body.thread.postCount, 1, 'counted by the workers');
  // the cache tier: a pool of three memcached servers the two APIs share
  t.equal(out.match(/^\[topology\] memcached:\d+: memcached$/gm)?.length, 3, 'three memcached servers');
  const mine = await fetch(`${url}/v1/threads/${thread.id}/posts`, { headers: { 'parley-lsn': post.headers.get('parley-lsn')! } });
  t.match(await mine.json(), { posts: [{ id: post.body.post.id }] }, 'the writer reads its write through the cache');
  const page = await fetch(`${url}/v1/threads/${thread.id}/posts`);
  const etag = page.headers.get('etag')!;
  t.match(page.headers.get('cache-control'), /^public, .*stale-while-revalidate/);
  const revalidated = await fetch(`${url}/v1/threads/${thread.id}/posts`, { headers: { 'if-none-match': etag } });
  t.equal(revalidated.status, 304, 'a page is revalidated with its ETag, whichever API answers');
  const health = await call('GET', '/healthz');
  t.same(health.body.databases, { accounts: 'ok', forums: 'ok', 'content.0': 'ok', 'content.1': 'ok' }, 'every database healthy');

  const run = promisify(execFile);
  const status = await run(process.execPath, [script, 'status'], { env });
  t.match(status.stdout, /api1 +ok[\s\S]*content1 replica +replayed/, 'topology:status reports the nodes and the replicas');
  const down = await run(process.execPath, [script, 'down'], { env });
  t.match(down.stdout, /stopped/);
  t.equal(await exited, 0, 'topology:up exits 0 after stopping everything');
  t.match(out, /stopping \(SIGTERM\)[\s\S]*\[topology\] stopped/);
});
