// One delivery attempt: POST the body, signed, to the receiver. 2xx is delivered; anything else
// (another status, a redirect, which is never followed, a timeout, a refused address) is a
// failure the queue retries. Never throws: the outcome is recorded by the caller.
import http from 'node:http';
import https from 'node:https';
import { checkWebhookTarget, guardedLookup } from '@parley/data';
import { signatureOf } from './sign.ts';

export interface Attempt {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryTarget {
  url: string;
  secret: string;
}

const ERROR_MAX = 500;
const truncate = (s: string): string => (s.length > ERROR_MAX ? `${s.slice(0, ERROR_MAX - 1)}…` : s);

export async function deliver(
  target: DeliveryTarget,
  eventId: string,
  body: string,
  opts: { timeoutMs: number; allowPrivate: boolean; now?: () => number },
): Promise<Attempt> {
  const started = performance.now();
  const done = (a: Omit<Attempt, 'durationMs'>): Attempt => ({ ...a, error: a.error && truncate(a.error), durationMs: Math.round(performance.now() - started) });
  const url = new URL(target.url);
  try {
    await checkWebhookTarget(url, opts.allowPrivate);
  } catch (err) {
    return done({ ok: false, httpStatus: null, error: `refused: ${(err as Error).message}` });
  }
  const timestamp = Math.floor((opts.now ?? Date.now)() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'Parley-Webhooks/1',
    'x-parley-event-id': eventId,
    'x-parley-timestamp': String(timestamp),
    'x-parley-signature': signatureOf(target.secret, timestamp, body),
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (a: Omit<Attempt, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(a));
    };
    const req = client.request(url, { method: 'POST', headers, lookup: guardedLookup(opts.allowPrivate), agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      // the body is not needed; read it away so the socket closes cleanly
      res.resume();
      res.on('end', () => finish(status >= 200 && status < 300 ? { ok: true, httpStatus: status, error: null } : { ok: false, httpStatus: status, error: `HTTP ${status}` }));
      res.on('error', (err) => finish({ ok: false, httpStatus: status, error: err.message }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, httpStatus: null, error: `timed out after ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ ok: false, httpStatus: null, error: err.message }));
    req.end(body);
  });
}
