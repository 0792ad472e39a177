// The fuzz loop: generated requests over real HTTP (keep-alive, `concurrency` in flight), every
// response judged (fuzz-check), progress lines with counts and rate, and the figures for the
// summary. It stops at `requests`, at `maxMs`, or when the API process dies (a crash).
import http from 'node:http';
import type fc from 'fast-check';
import { requests as draw, type FuzzRequest } from './fuzz-gen.ts';
import { judge } from './fuzz-check.ts';

export interface FuzzOptions {
  baseUrl: string;
  arb: fc.Arbitrary<FuzzRequest>;
  requests: number;
  seed: number;
  concurrency?: number;
  maxMs?: number;
  /** ms between progress lines */
  progressEveryMs?: number;
  log: (line: string) => void;
  /** the API's RSS in bytes, for progress lines */
  rss?: () => Promise<number>;
  /** told every answer (the generator's fixtures follow what the run creates and deletes) */
  observe?: (r: FuzzRequest, status: number, body: string) => void;
  /** set once the API process has exited */
  crashed?: () => string | undefined;
}

export interface Failure {
  kind: '5xx' | 'leak' | 'shapeless' | 'transport' | 'timeout';
  route: string;
  request: string;
  detail: string;
}

export interface FuzzStats {
  sent: number;
  durationMs: number;
  rate: number;
  statuses: Record<string, number>;
  routes: Record<string, number>;
  /** per route: how many answers were 2xx, 4xx, 5xx */
  routeStatus: Record<string, Record<string, number>>;
  fiveXX: number;
  leaks: number;
  shapeless: number;
  transport: number;
  crash?: string;
  timedOut: boolean;
  failures: Failure[];
}

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_BODY = 1 << 20;

function send(agent: http.Agent, base: URL, r: FuzzRequest): Promise<{ status: number; contentType?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method: r.method, path: r.path, headers: { ...r.headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const describe = (r: FuzzRequest): string => `${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers)} ${r.body === undefined ? '' : r.body.slice(0, 300)}`;

export async function runFuzz(o: FuzzOptions): Promise<FuzzStats> {
  const base = new URL(o.baseUrl);
  const concurrency = o.concurrency ?? 16;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const stats: FuzzStats = { sent: 0, durationMs: 0, rate: 0, statuses: {}, routes: {}, routeStatus: {}, fiveXX: 0, leaks: 0, shapeless: 0, transport: 0, timedOut: false, failures: [] };
  const fail = (f: Failure) => {
    if (stats.failures.length < 50) stats.failures.push(f);
  };
  const source = draw(o.arb, o.requests, o.seed);
  const started = Date.now();
  let lastLine = started;
  let lastSent = 0;
  let stop = false;
  const progress = async (final = false) => {
    const now = Date.now();
    const rate = ((stats.sent - lastSent) * 1000) / Math.max(1, now - lastLine);
    const rss = o.rss ? await o.rss().then((b) => `${Math.round(b / 2 ** 20)} MB`, () => 'n/a') : 'n/a';
    o.log(
      `fuzz: ${stats.sent}/${o.requests} requests, ${Math.round(final ? (stats.sent * 1000) / Math.max(1, now - started) : rate)}/s, ` +
        `5xx ${stats.fiveXX}, leaks ${stats.leaks}, shapeless ${stats.shapeless}, transport ${stats.transport}, api rss ${rss}, ${((now - started) / 1000).toFixed(1)} s`,
    );
    lastLine = now;
    lastSent = stats.sent;
  };
  const ticker = setInterval(() => void progress(), o.progressEveryMs ?? 5000);

  const worker = async () => {
    for (;;) {
      if (stop) return;
      const crash = o.crashed?.();
      if (crash) {
        stats.crash = crash;
        stop = true;
        return;
      }
      if (o.maxMs !== undefined && Date.now() - started > o.maxMs) {
        stats.timedOut = true;
        stop = true;
        return;
      }
      const next = source.next();
      if (next.done) return;
      const r = next.value;
      stats.sent++;
      stats.routes[r.route] = (stats.routes[r.route] ?? 0) + 1;
      try {
        const res = await send(agent, base, r);
        stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
        o.observe?.(r, res.status, res.body);
        const byClass = (stats.routeStatus[r.route] ??= {});
        const cls = `${String(res.status)[0]}xx`;
        byClass[cls] = (byClass[cls] ?? 0) + 1;
        const requestText = `${decodeSafe(r.path)}\n${r.path}\n${JSON.stringify(r.headers)}\n${r.body ?? ''}\n${r.body ? JSON.stringify(r.body) : ''}`;
        const verdict = judge(r.method, res.status, res.contentType, res.body, requestText);
        if (verdict) {
          if (verdict.kind === '5xx') stats.fiveXX++;
          else if (verdict.kind === 'leak') stats.leaks++;
          else stats.shapeless++;
          fail({ kind: verdict.kind, route: r.route, request: describe(r), detail: verdict.detail });
        }
      } catch (err) {
        stats.transport++;
        const message = (err as Error).message;
        fail({ kind: /no answer within/.test(message) ? 'timeout' : 'transport', route: r.route, request: describe(r), detail: message });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(ticker);
  agent.destroy();
  stats.durationMs = Date.now() - started;
  stats.rate = (stats.sent * 1000) / Math.max(1, stats.durationMs);
  await progress(true);
  return stats;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Passed when nothing failed and the API is still alive. */
export const passed = (s: FuzzStats): boolean => s.fiveXX === 0 && s.leaks === 0 && s.shapeless === 0 && s.transport === 0 && !s.crash;
