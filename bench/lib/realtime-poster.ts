// The writer side of bench:realtime: POSTs at a fixed rate (request i is due at start + i / rate,
// checked every 2 ms, at most `maxInFlight` open), each 2xx time-stamped on arrival with
// `performance.timeOrigin + performance.now()`: the clock the subscribers' receipts are put on.
import http from 'node:http';
import { nowAbs } from './realtime-clients.ts';

export interface Posted {
  /** the post id (from the 201's body, or the one the request carried) */
  id: string;
  threadId: string;
  /** when the 2xx arrived, ms on nowAbs's clock */
  okAt: number;
  /** request sent → 2xx, ms */
  latency: number;
}

export interface PostRequest {
  threadId: string;
  path: string;
  body: string | Buffer;
  /** known in advance (the ceiling's synthetic frames); else read from the answer's post.id */
  id?: string;
}

export async function postOne(base: string, r: PostRequest, agent?: http.Agent): Promise<Posted> {
  const url = new URL(base);
  const sent = nowAbs();
  return new Promise((ok, fail) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: 'POST', path: r.path, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const okAt = nowAbs();
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return fail(new Error(`POST ${r.path} → ${status}: ${Buffer.concat(parts).toString().slice(0, 300)}`));
          const id = r.id ?? (JSON.parse(Buffer.concat(parts).toString()) as { post: { id: string } }).post.id;
          ok({ id, threadId: r.threadId, okAt, latency: okAt - sent });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`POST ${r.path}: no answer within 10 s`)));
    req.on('error', fail);
    req.end(r.body);
  });
}

export async function postPaced(o: {
  label: string;
  base: string;
  rate: number;
  seconds: number;
  request: (i: number) => PostRequest;
  maxInFlight?: number;
  log: (line: string) => void;
}): Promise<{ posted: Posted[]; failed: number; skipped: number; firstError?: string }> {
  const maxInFlight = o.maxInFlight ?? 64;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const posted: Posted[] = [];
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let firstError: string | undefined;
  const total = Math.round(o.rate * o.seconds);
  const start = performance.now();
  let lastLog = start;
  let next = 0;
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / o.rate <= now) {
        const i = next++;
        if (inFlight >= maxInFlight) {
          skipped++;
          continue;
        }
        inFlight++;
        postOne(o.base, o.request(i), agent).then(
          (p) => posted.push(p),
          (err: Error) => {
            failed++;
            firstError ??= err.message;
          },
        ).finally(() => inFlight--);
      }
      if (now - lastLog >= 5000) {
        lastLog = now;
        o.log(`${o.label}: ${((now - start) / 1000).toFixed(0)} s, ${posted.length.toLocaleString('en-US')} posted, ${failed} failed, ${skipped} skipped, ${inFlight} in flight`);
      }
      if (next >= total && inFlight === 0) {
        clearInterval(tick);
        done();
      }
    }, 2);
  });
  agent.destroy();
  return { posted, failed, skipped, firstError };
}
