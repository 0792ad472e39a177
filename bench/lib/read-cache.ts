// bench:read --cache (issue 13, docs/adr/0010): what the cache tier's phases need besides
// autocannon.
//
// - `startMemcachedServers`: n memcached servers on free ports (scripts/lib/topology-processes.ts
//   starts them as `pnpm topology:up` does), their pids for the CPU lines.
// - `startProbed`: an app's own entry point with bench/lib/page-probe.ts preloaded, so the bench
//   can ask how many page listings it has sent.
// - `measureStampede`: the API built in this process on the bench's database, listening on a
//   loopback port, with the memcached pool (two app instances, each with its own pool client, as
//   two processes) or the in-process cache (one instance); a key that 500 concurrent readers (one
//   keep-alive connection each) read, made stale (a write, then past the staleness bound) or lost
//   (deleted from the cache); the page listings those readers caused, counted by `db.onQuery` as
//   test/harness/query-count.ts does.
// - `measureRefillLag`: paced writes to one thread while a poller reads its first page (newest
//   first, no Parley-Lsn) every few ms; the time from each write's answer to the first page that
//   reflects it.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { buildApp } from '../../apps/api/src/index.ts';
import { loadConfig, openCache, openDatabase, type ByteCache } from '../../packages/data/src/index.ts';
import { pageKey } from '../../packages/read/src/index.ts';
import { freePort } from '../../scripts/lib/free-port.ts';
import { memcachedVersion, startMemcached, type Running } from '../../scripts/lib/topology-processes.ts';
import { startApp, type AppOptions } from './apps.ts';
import type { Proc } from './processes.ts';
import type { PageProbeLine } from './page-probe.ts';
import { startPacedWrites, type WriteRecord } from './paced-writes.ts';

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
export const PAGE_PROBE = new URL('./page-probe.ts', import.meta.url).href;

export const COMMENT = {
  message: 'Thanks for writing this up. I tried the second approach on our staging cluster and it cut the p99 in half, ' +
    'but only after we raised the pool size; see https://example.com/notes.',
  author: { name: 'Bench Guest', email: 'guest@example.com' },
};

export interface MemcachedServers {
  /** `127.0.0.1:port`, as MEMCACHED_SERVERS lists them */
  servers: string[];
  pids: number[];
  version: string;
  stop(): Promise<void>;
}

/** The pid of the memcached listening on `port` (it runs under setpriv, maybe as nobody): found by its command line. */
function memcachedPid(port: number): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('memcached') && argv.includes(String(port))) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export async function startMemcachedServers(n: number, memoryMb = 64): Promise<MemcachedServers> {
  const running: Running[] = [];
  const stop = async () => void (await Promise.all(running.map((r) => r.stop())));
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      running.push(await startMemcached(port, { memoryMb }));
      ports.push(port);
    }
    const version = (await memcachedVersion(ports[0])).replace(/^VERSION\s*/, '');
    return { servers: running.map((r) => r.url), pids: ports.map(memcachedPid).filter((p): p is number => p !== undefined), version, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

export type ProbedProc = Proc & {
  /** page listings the process has sent so far (asked with SIGUSR2) */
  listings(): Promise<number>;
  /** the memcached pool's ejections it logged (seen only when its LOG_LEVEL lets the line through), with their reasons */
  ejections: string[];
};

/** An app's entry point (lib/apps.ts) with the page probe preloaded. */
export async function startProbed(app: 'api' | 'worker', o: AppOptions): Promise<ProbedProc> {
  const waiting: ((n: number) => void)[] = [];
  const ejections: string[] = [];
  const proc = await startApp(app, {
    ...o,
    nodeFlags: [...(o.nodeFlags ?? []), '--import', PAGE_PROBE],
    onLine: (line) => {
      o.onLine?.(line);
      const ejected = /memcached \S+ ejected for \d+ ms: ([^"]*)/.exec(line);
      if (ejected) ejections.push(ejected[1]);
      if (!line.startsWith('{"pageProbe"')) return;
      const n = (JSON.parse(line) as PageProbeLine).pageProbe.listings;
      for (const w of waiting.splice(0)) w(n);
    },
  });
  return {
    ...proc,
    ejections,
    listings: () => new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${proc.name} did not answer the page probe within 5 s`)), 5000);
      waiting.push((n) => {
        clearTimeout(timer);
        ok(n);
      });
      process.kill(proc.pid, 'SIGUSR2');
    }),
  };
}

export interface StampedeRound {
  /** stale: a write, then past the staleness bound; lost: the page deleted from the cache */
  kind: 'stale' | 'lost';
  /** page listings (`SELECT p.id`) the readers caused */
  listings: number;
  /** when each listing was sent, ms after the first reader */
  listingAt: number[];
  readers: number;
  /** answered 200 */
  ok: number;
  /** answers that already held the round's new post (stale rounds; the rest got the previous copy) */
  withNewPost: number;
  /** from the first reader sent to the last answer */
  ms: number;
  /** the longest event-loop delay in this process during the burst (the pool's command timeout is measured on that loop) */
  loopDelayMs: number;
  /** memcached servers a pool client ejected during the burst */
  ejections: number;
}

export interface StampedeResult {
  cache: string;
  instances: number;
  staleMs: number;
  /** MEMCACHED_TIMEOUT_MS of the pool clients */
  timeoutMs?: number;
  rounds: StampedeRound[];
  /** every ejection a pool client logged, with its reason */
  ejections: string[];
}

/**
 * `readers` concurrent GETs of a thread's first page (newest first) over HTTP, each on its own
 * keep-alive connection, after each invalidation, `rounds` of each kind. The API is built in this
 * process on the bench's database (buildApp, as test/harness/app.ts does) and listens on a
 * loopback port. `memcached`: the pool's servers, with two app instances, each with its own pool
 * client (as two processes would be), the readers split between them; without it, one instance
 * on the in-process cache.
 */
export async function measureStampede(o: {
  databaseUrl: string;
  threadId: string;
  memcached?: string[];
  /** MEMCACHED_TIMEOUT_MS (default: Parley's) */
  timeoutMs?: number;
  readers: number;
  rounds: number;
  staleMs: number;
  log: (line: string) => void;
}): Promise<StampedeResult> {
  const config = loadConfig({}, {
    databaseUrl: o.databaseUrl,
    logLevel: 'silent',
    writeRatePerMinute: 0,
    cacheStaleMs: o.staleMs,
    ...(o.memcached ? { memcachedServers: o.memcached.join(',') } : {}),
    ...(o.timeoutMs ? { memcachedTimeoutMs: o.timeoutMs } : {}),
  });
  const ejections: string[] = [];
  const cacheLog = (line: string) => {
    const m = /ejected for \d+ ms: (.*)$/.exec(line);
    if (m) ejections.push(m[1]);
    o.log(line);
  };
  const db = openDatabase(config, { poolSize: 8 });
  const instances = o.memcached ? 2 : 1;
  const caches: ByteCache[] = [];
  const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
  const agents: http.Agent[] = [];
  try {
    const bases: URL[] = [];
    for (let i = 0; i < instances; i++) {
      const cache = openCache(config, cacheLog);
      caches.push(cache);
      const app = await buildApp({ config, db, cache });
      apps.push(app);
      bases.push(new URL(await app.listen({ host: '127.0.0.1', port: 0 })));
      agents.push(new http.Agent({ keepAlive: true, maxSockets: o.readers }));
    }
    const path = `/v1/threads/${o.threadId}/posts?sort=newest`;
    const key = pageKey({ threadId: o.threadId, sort: 'newest', limit: config.pageSizeDefault });
    const readAll = () => Promise.all(Array.from({ length: o.readers }, (_, i) => get(agents[i % instances], bases[i % instances], path)));
    // the page is in the cache, and every reader's connection is open
    await readAll();

    const burst = async (kind: StampedeRound['kind'], newPost?: string): Promise<StampedeRound> => {
      const listingAt: number[] = [];
      const ejected = ejections.length;
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t0 = performance.now();
      const stop = db.onQuery((_alias, text) => {
        if (/^SELECT p\.id/.test(text)) listingAt.push(performance.now() - t0);
      });
      let ok = 0;
      let withNewPost = 0;
      try {
        for (const res of await readAll()) {
          if (res.status !== 200) continue;
          ok++;
          if (newPost && (JSON.parse(res.body) as { posts: { id: string }[] }).posts.some((p) => p.id === newPost)) withNewPost++;
        }
      } finally {
        stop();
        loop.disable();
      }
      return {
        kind, listings: listingAt.length, listingAt, readers: o.readers, ok, withNewPost, ms: performance.now() - t0,
        loopDelayMs: loop.max / 1e6, ejections: ejections.length - ejected,
      };
    };

    const rounds: StampedeRound[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const res = await apps[0].inject({ method: 'POST', url: `/v1/threads/${o.threadId}/posts`, payload: COMMENT });
      if (res.statusCode !== 201) throw new Error(`stampede: the write answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
      const { post } = JSON.parse(res.body) as { post: { id: string } };
      await sleep(o.staleMs + 100);
      rounds.push(await burst('stale', post.id));
      await sleep(200);
    }
    for (let r = 0; r < o.rounds; r++) {
      await caches[0].delete(key);
      rounds.push(await burst('lost'));
      await sleep(200);
    }
    for (const round of rounds) {
      o.log(`stampede (${caches[0].kind}, ${instances} instance${instances > 1 ? 's' : ''}): ${round.kind}: ${round.listings} page listings ` +
        `(at ${round.listingAt.map((t) => `${t.toFixed(0)} ms`).join(', ')}) for ${round.readers} readers ` +
        `(${round.ok} ok${round.kind === 'stale' ? `, ${round.withNewPost} already with the new post` : ''}) in ${round.ms.toFixed(0)} ms; ` +
        `event-loop delay up to ${round.loopDelayMs.toFixed(0)} ms, ${round.ejections} ejections`);
    }
    return { cache: caches[0].kind, instances, staleMs: o.staleMs, timeoutMs: o.memcached ? config.memcachedTimeoutMs : undefined, rounds, ejections };
  } finally {
    for (const agent of agents) agent.destroy();
    await Promise.all(apps.map((a) => a.close()));
    await Promise.all(caches.map((c) => c.close()));
    await db.close();
  }
}

export interface RefillLag {
  /** writes answered 2xx in the measured window, and the rate that makes */
  writes: number;
  rate: number;
  failed: number;
  skipped: number;
  writeP99: number;
  /** of `writes`: seen on the polled page themselves */
  shown: number;
  /** …or not seen, but a page showed a post sent after their answer (they had been pushed to page 2) */
  overtaken: number;
  /** reflected by no page the poller saw, until it stopped */
  never: number;
  /** ms from a write's answer to the first page that reflected it */
  p50: number;
  p99: number;
  max: number;
  min: number;
  polls: number;
  /** polls answered 200 (the page had changed) rather than 304 */
  changed: number;
  pollErrors: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

/** GET with If-None-Match on a keep-alive agent: status, body and ETag. */
function get(agent: http.Agent, base: URL, path: string, etag?: string): Promise<{ status: number; body: string; etag?: string }> {
  return new Promise((ok, fail) => {
    const req = http.get({ host: base.hostname, port: base.port, path, agent, headers: etag ? { 'if-none-match': etag } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), etag: res.headers.etag }));
      res.on('error', fail);
    });
    req.setTimeout(5000, () => req.destroy(new Error('poll timed out')));
    req.on('error', fail);
  });
}

/**
 * Writes to `threadId` through `api` at `rate`/s for `warmup` + `seconds` s while a poller reads
 * the thread's first page (newest first, the default size: the page the worker's refill renders)
 * every `pollMs`, with If-None-Match, never with Parley-Lsn. A write of the measured window is
 * reflected by the first page seen that holds it, or that holds a post sent after its answer
 * (so rendered after it committed: it had been pushed past the first 50 by then).
 */
export async function measureRefillLag(o: {
  api: string;
  threadId: string;
  rate: number;
  seconds: number;
  warmup: number;
  pollMs: number;
  log: (line: string) => void;
}): Promise<RefillLag> {
  const base = new URL(o.api);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const path = `/v1/threads/${o.threadId}/posts?sort=newest`;
  const observations: { at: number; ids: string[] }[] = [];
  const firstSeen = new Map<string, number>();
  let polls = 0;
  let pollErrors = 0;
  let stopped = false;
  let etag: string | undefined;
  const poller = (async () => {
    while (!stopped) {
      try {
        const r = await get(agent, base, path, etag);
        const at = performance.now();
        polls++;
        if (r.status === 200) {
          etag = r.etag;
          const ids = (JSON.parse(r.body) as { posts: { id: string }[] }).posts.map((p) => p.id);
          observations.push({ at, ids });
          for (const id of ids) if (!firstSeen.has(id)) firstSeen.set(id, at);
        } else if (r.status !== 304) pollErrors++;
      } catch {
        pollErrors++;
      }
      await sleep(o.pollMs);
    }
  })();

  const writer = startPacedWrites({
    label: `writes ${o.rate}/s`,
    url: o.api,
    rate: o.rate,
    body: JSON.stringify(COMMENT),
    path: () => `/v1/threads/${o.threadId}/posts`,
    maxInFlight: 64,
    log: o.log,
  });
  const windowStart = writer.live.startedAt + o.warmup * 1000;
  await sleep((o.warmup + o.seconds) * 1000);
  const done = await writer.stop();
  const byId = new Map<string, WriteRecord>();
  for (const w of done.records) if (w.id) byId.set(w.id, w);
  const measured = done.records.filter((w) => w.due >= windowStart);
  const written = measured.filter((w): w is WriteRecord & { id: string } => w.status >= 200 && w.status < 300 && w.id !== undefined);
  // a last write, sent once every other was answered: the page that shows it reflects them all;
  // the poller runs until it does (10 s at most)
  const sentAt = performance.now();
  const closing = await fetch(o.api + `/v1/threads/${o.threadId}/posts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(COMMENT) });
  const closingId = ((await closing.json()) as { post?: { id: string } }).post?.id;
  if (closingId) byId.set(closingId, { due: sentAt, at: performance.now(), status: closing.status, id: closingId });
  for (const until = performance.now() + 10_000; performance.now() < until && !(closingId && firstSeen.has(closingId));) await sleep(20);
  stopped = true;
  await poller;
  agent.destroy();

  // the latest send time among the posts each page showed, as a running maximum over the pages
  const maxDue: number[] = [];
  for (const obs of observations) {
    const m = Math.max(-Infinity, ...obs.ids.map((id) => byId.get(id)?.due ?? -Infinity));
    maxDue.push(Math.max(m, maxDue.at(-1) ?? -Infinity));
  }
  const firstPageAfter = (t: number): number | undefined => {
    let lo = 0;
    let hi = observations.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (maxDue[mid] > t) hi = mid;
      else lo = mid + 1;
    }
    return lo < observations.length ? observations[lo].at : undefined;
  };
  const lags: number[] = [];
  let shown = 0;
  let overtaken = 0;
  for (const w of written) {
    const seen = firstSeen.get(w.id);
    const after = firstPageAfter(w.at);
    const at = Math.min(seen ?? Infinity, after ?? Infinity);
    if (at === Infinity) continue;
    if (seen !== undefined && seen <= at) shown++;
    else overtaken++;
    lags.push(at - w.at);
  }
  lags.sort((x, y) => x - y);
  const latencies = measured.map((w) => w.at - w.due).sort((x, y) => x - y);
  return {
    writes: written.length,
    rate: written.length / o.seconds,
    failed: measured.length - written.length,
    skipped: done.skipped,
    writeP99: pct(latencies, 99),
    shown,
    overtaken,
    never: written.length - lags.length,
    p50: pct(lags, 50),
    p99: pct(lags, 99),
    max: lags.at(-1) ?? NaN,
    min: lags[0] ?? NaN,
    polls,
    changed: observations.length,
    pollErrors,
  };
}
