// Load at a fixed rate, not at the maximum: request i is due at start + i / rate, and every 5 ms
// the requests that are due go out on a keep-alive pool. (autocannon's overallRate sends each
// connection's quota at the top of every second and then idles, a burst a lag measurement would
// see.) Latency is measured from the due time, so a stalled server shows as latency rather than
// as fewer requests. Every 2xx is time-stamped on arrival: the response comes after the commit,
// so the timestamps are when each comment was known to be written.
import http from 'node:http';

export interface PacedResult {
  rate: number;
  seconds: number;
  sent: number;
  ok: number;
  failed: number;
  /** requests not sent because `maxInFlight` were already waiting */
  skipped: number;
  p50: number;
  p99: number;
  max: number;
  /** performance.now() of each 2xx, in arrival order */
  okAt: number[];
}

export async function runPaced(o: {
  label: string;
  url: string;
  rate: number;
  seconds: number;
  path: () => string;
  body: string;
  maxInFlight: number;
  log: (line: string) => void;
  /** filled as responses arrive, for a caller that watches the load live */
  okAt?: number[];
}): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  const base = new URL(o.url);
  const latencies: number[] = [];
  const okAt: number[] = o.okAt ?? [];
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  const total = Math.round(o.rate * o.seconds);
  const start = performance.now();
  let last = { at: start, ok: 0 };

  const fire = (due: number) => {
    inFlight++;
    sent++;
    const req = http.request(
      { host: base.hostname, port: base.port, method: 'POST', path: o.path(), agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(o.body) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          const now = performance.now();
          latencies.push(now - due);
          if (res.statusCode! >= 200 && res.statusCode! < 300) okAt.push(now);
          else failed++;
        });
      },
    );
    req.on('error', () => {
      inFlight--;
      failed++;
    });
    req.end(o.body);
  };

  await new Promise<void>((done) => {
    let next = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / o.rate <= now) {
        const due = start + (next * 1000) / o.rate;
        next++;
        if (inFlight >= o.maxInFlight) skipped++;
        else fire(due);
      }
      if (now - last.at >= 5000) {
        o.log(`${o.label}: ${((now - start) / 1000).toFixed(0)} s, ${okAt.length.toLocaleString('en-US')} comments written, ` +
          `${Math.round(((okAt.length - last.ok) * 1000) / (now - last.at)).toLocaleString('en-US')}/s over the last 5 s, ${failed} failed, ${skipped} skipped, ${inFlight} in flight`);
        last = { at: now, ok: okAt.length };
      }
      if (next >= total) {
        clearInterval(tick);
        const waitUntil = performance.now() + 10_000;
        const drain = setInterval(() => {
          if (inFlight === 0 || performance.now() > waitUntil) {
            clearInterval(drain);
            done();
          }
        }, 10);
      }
    }, 5);
  });
  agent.destroy();
  const seconds = (performance.now() - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { rate: okAt.length / seconds, seconds, sent, ok: okAt.length, failed, skipped, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN, okAt };
}
