// One load phase with autocannon: N keep-alive connections, pipelining 1, a fixed duration,
// a progress line every few seconds, and a summary of throughput, latency and failures.
import autocannon from 'autocannon';

export interface LoadOptions {
  label: string;
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** called per request: the path to hit (lets a write spread over many threads) */
  path?: () => string;
  /** called per request: the body to send instead of `body` (lets a write come from many authors) */
  makeBody?: () => string;
  /** which answers count as served: 2xx (the default), or 304 for conditional requests (`If-None-Match` in `headers`) */
  expect?: '2xx' | '304';
  log: (line: string) => void;
  progressEvery?: number;
}

export interface LoadResult {
  label: string;
  connections: number;
  seconds: number;
  ok: number;
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  bytesPerResponse: number;
  /** what counted as served (`ok`, `rate`); `non2xx` then holds every other answer */
  expect: '2xx' | '304';
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const every = o.progressEvery ?? 5;
  let responses = 0;
  let bad = 0;
  const expect = o.expect ?? '2xx';
  const served = (status: number) => (expect === '304' ? status === 304 : status >= 200 && status <= 299);
  // Without a callback autocannon returns its event emitter with the result promise's `then`.
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    pipelining: 1,
    duration: o.seconds,
    timeout: 10,
    requests: [
      {
        method: o.method ?? 'GET',
        body: o.body,
        headers: o.headers,
        ...(o.path || o.makeBody
          ? { setupRequest: (req: autocannon.Request) => ({ ...req, ...(o.path ? { path: o.path() } : {}), ...(o.makeBody ? { body: o.makeBody() } : {}) }) }
          : {}),
      },
    ],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, status: number) => {
    responses++;
    if (!served(status)) bad++;
  });
  const started = performance.now();
  let last = { at: started, n: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const rate = ((responses - last.n) * 1000) / (now - last.at);
    o.log(`${o.label}: ${fmt((now - started) / 1000)} s, ${fmt(responses)} responses, ${fmt(rate)}/s over the last ${every} s, ${fmt(bad)} not ${expect}`);
    last = { at: now, n: responses };
  }, every * 1000);
  try {
    const r = await instance;
    // autocannon counts by class; a 304 phase expects every answer to be a 304 (the rest are in `bad`)
    const ok = expect === '304' ? r['3xx'] : r['2xx'];
    return {
      label: o.label,
      connections: o.connections,
      seconds: r.duration,
      ok,
      rate: ok / r.duration,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: expect === '304' ? r.non2xx - r['3xx'] + r['2xx'] : r.non2xx,
      bytesPerResponse: r.requests.total ? r.throughput.total / r.requests.total : 0,
      expect,
    };
  } finally {
    clearInterval(timer);
  }
}

export const describeLoad = (r: LoadResult, unit = 'req/s') =>
  `${fmt(r.rate)} ${unit}, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, max ${fmt(r.max)} ms, ` +
  `${fmt(r.ok)} ok in ${fmt(r.seconds, 1)} s, errors ${r.errors} (timeouts ${r.timeouts}), ${r.expect === '304' ? 'not 304' : 'non-2xx'} ${r.non2xx}`;
