// Slow clients are cut off by the server on its own deadlines (PARLEY_HTTP_*_TIMEOUT_MS), over
// real sockets: a client trickling its headers, a thousand of them at once, a client trickling
// its body, and an idle keep-alive connection. Each test measures when the server closed the
// socket against the configured bound; the trickle never stops on its own, so only the server
// can end it.
import t from 'tap';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startApi } from '@parley/api';
import { loadConfig, type Config } from '@parley/data';
import { testDatabase, type TapTest } from '../../../test/harness/db.ts';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';

async function listening(t: TapTest, overrides: Partial<Config>) {
  const { db } = await testDatabase(t);
  const config = loadConfig({}, { adminToken: ADMIN_TOKEN, logLevel: 'silent', writeRatePerMinute: 0, host: '127.0.0.1', port: 0, ...overrides });
  const api = await startApi({ config, db });
  t.teardown(() => api.close());
  const port = new URL(api.url).port;
  return { api, port: Number(port) };
}

interface Trickler {
  socket: Socket;
  /** resolves with ms from connect to the server closing the socket, and what it answered */
  closed: Promise<{ afterMs: number; answer: string }>;
}

/** Connects and sends `head`, then one more byte of `drip` every `everyMs`, forever. */
function trickle(port: number, head: string, drip: string, everyMs: number): Trickler {
  const socket = connect({ host: '127.0.0.1', port });
  const started = Date.now();
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => socket.write(drip[i++ % drip.length]), everyMs);
  });
  socket.on('data', (d) => (answer += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<{ afterMs: number; answer: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - started, answer });
    }),
  );
  return { socket, closed };
}

/** Fails the wait after `ms` instead of hanging the test. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what}: still open after ${ms} ms`)), ms).unref())]);

const HEADERS_MS = 1000;
const slack = (ms: number) => ms + Math.max(100, ms / 10) + 1500; // the check interval, then a busy two-core machine

t.test('a client trickling its headers is answered 408 and closed within the header timeout', async (t) => {
  const { port } = await listening(t, { httpHeadersTimeoutMs: HEADERS_MS, httpRequestTimeoutMs: 5000 });
  const c = trickle(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: yes\r\n', 20);
  const { afterMs, answer } = await within(c.closed, 20_000, 'the trickling socket');
  t.ok(afterMs >= HEADERS_MS * 0.9, `not before the timeout (${afterMs} ms)`);
  t.ok(afterMs <= slack(HEADERS_MS), `closed after ${afterMs} ms (bound ${slack(HEADERS_MS)} ms)`);
  t.match(answer, /^HTTP\/1\.1 408 /, 'answered 408 Request Timeout');
  t.match(answer, /"code":"request_timeout"/, 'in the error shape');
});

t.test('a thousand trickling clients are all closed within the bound, and the API keeps answering', async (t) => {
  const { api, port } = await listening(t, { httpHeadersTimeoutMs: HEADERS_MS, httpRequestTimeoutMs: 5000 });
  const n = 1000;
  const all = Array.from({ length: n }, () => trickle(port, 'POST /v1/forums HTTP/1.1\r\nHost: x\r\n', 'X-Slow: yes\r\n', 200));
  // while they trickle, a normal client gets its answer
  const health = await fetch(`${api.url}/healthz`);
  t.equal(health.status, 200, 'a normal request is served during the attack');
  const results = await within(Promise.all(all.map((c) => c.closed)), 30_000, `${n} trickling sockets`);
  const worst = Math.max(...results.map((r) => r.afterMs));
  t.ok(worst <= slack(HEADERS_MS) + 2000, `all ${n} closed; the last after ${worst} ms`);
  t.equal(results.filter((r) => /^HTTP\/1\.1 408 /.test(r.answer)).length, n, 'every one was answered 408');
});

t.test('a client trickling its body is closed within the request timeout', async (t) => {
  const requestMs = 1500;
  const { port } = await listening(t, { httpHeadersTimeoutMs: 500, httpRequestTimeoutMs: requestMs });
  const c = trickle(port, 'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"username":"', 'a', 20);
  const { afterMs, answer } = await within(c.closed, 20_000, 'the socket sending its body slowly');
  t.ok(afterMs >= requestMs * 0.9 && afterMs <= slack(requestMs), `closed after ${afterMs} ms (timeout ${requestMs} ms)`);
  t.match(answer, /^HTTP\/1\.1 408 /, 'answered 408 Request Timeout');
});

t.test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
  const keepAliveMs = 800;
  const { api, port } = await listening(t, { httpKeepAliveTimeoutMs: keepAliveMs });
  const socket = connect({ host: '127.0.0.1', port });
  let answer = '';
  let answeredAt = 0;
  socket.on('data', (d) => {
    answer += d.toString('latin1');
    if (/\r\n\r\n[\s\S]*\}/.test(answer) && !answeredAt) answeredAt = Date.now();
  });
  socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'));
  const closedAt = await within(new Promise<number>((ok) => socket.on('close', () => ok(Date.now()))), 20_000, 'the idle connection');
  t.match(answer, /^HTTP\/1\.1 200 /, 'the request was answered');
  t.match(answer, /keep-alive: timeout=0?\d/i, 'the answer announces the keep-alive timeout');
  const idle = closedAt - answeredAt;
  // Node keeps the socket keepAliveTimeoutBuffer (1 s) past the timeout it announces, so a client
  // that reuses the connection just before the announced deadline doesn't race the close.
  const buffer = (api.app.server as { keepAliveTimeoutBuffer?: number }).keepAliveTimeoutBuffer ?? 0;
  t.ok(idle >= keepAliveMs * 0.9 && idle <= slack(keepAliveMs) + buffer, `closed ${idle} ms after the answer (timeout ${keepAliveMs} ms + Node's ${buffer} ms buffer)`);
});

t.test('the defaults are set on purpose, and the header timeout may not exceed the request timeout', async (t) => {
  const c = loadConfig({});
  t.same([c.httpHeadersTimeoutMs, c.httpRequestTimeoutMs, c.httpKeepAliveTimeoutMs], [10_000, 30_000, 72_000]);
  t.throws(() => loadConfig({ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '40000' }), /must not exceed PARLEY_HTTP_REQUEST_TIMEOUT_MS/);
  const { api } = await listening(t, {});
  const s = api.app.server;
  t.same([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout], [10_000, 30_000, 72_000], 'the listening server carries them');
});

t.test('closing drains a keep-alive connection busy with a request: answered, then closed, not left for the keep-alive timeout', async (t) => {
  const { api, port } = await listening(t, {});
  const socket = connect({ host: '127.0.0.1', port });
  let answer = '';
  socket.on('data', (d) => (answer += d.toString('latin1')));
  socket.on('error', () => {});
  const closedAt = new Promise<number>((ok) => socket.on('close', () => ok(Date.now())));
  const body = JSON.stringify({ slug: 'drained', name: 'Drained' });
  await new Promise<void>((ok) => socket.on('connect', ok));
  // the request is under way (headers and half the body) when the server starts closing
  // the server has the request's headers (its 'request' event) before it starts closing
  const received = once(api.app.server, 'request');
  socket.write(`POST /v1/forums HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
  await within(received, 20_000, 'the request');
  const closing = api.close();
  const closeStarted = Date.now();
  socket.write(body.slice(10));
  const closed = await within(closedAt, 20_000, 'the drained connection');
  await within(closing, 20_000, 'the close');
  t.match(answer, /^HTTP\/1\.1 201 /, 'the request under way was answered');
  t.ok(closed - closeStarted < 2000, `the connection closed ${closed - closeStarted} ms after closing began (keep-alive timeout 72 s)`);
});
