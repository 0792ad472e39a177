// The realtime endpoint over a real socket: greeting, error answers, garbage, paths, shutdown.
import t, { type Test } from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import { Database, loadConfig, singleDatabase } from '@parley/data';
import { attachRealtime, type Realtime } from '../src/index.ts';

async function setup(t: Pick<Test, 'teardown'>): Promise<{ url: string; realtime: Realtime; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200).end('http still works'));
  // The thin tier issues no queries; the pools are lazy, so this never connects.
  const db = new Database(singleDatabase('postgres://unused@127.0.0.1:1/unused'));
  const realtime = attachRealtime(server, { config: loadConfig({}), db });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(async () => {
    await realtime.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, realtime, server };
}

/** Opens a client and resolves with it and its first frame (the greeting). */
async function connect(url: string): Promise<{ ws: WebSocket; next: () => Promise<unknown> }> {
  const ws = new WebSocket(url);
  const queue: unknown[] = [];
  const waiters: ((v: unknown) => void)[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    const w = waiters.shift();
    if (w) w(frame);
    else queue.push(frame);
  });
  await once(ws, 'open');
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((ok) => waiters.push(ok)));
  return { ws, next };
}

t.test('greets, then answers every frame with an error', async (t) => {
  const { url } = await setup(t);
  const { ws, next } = await connect(`${url}/v1/realtime`);
  t.same(await next(), { op: 'hello', protocol: 1 }, 'hello first');
  ws.send(JSON.stringify({ op: 'subscribe', thread: 1 }));
  t.match(await next(), { op: 'error', code: 'unsupported_op', message: /subscribe/ });
  ws.send('{not json');
  t.match(await next(), { op: 'error', code: 'bad_frame' });
  ws.send(Buffer.from([0xde, 0xad]), { binary: true });
  t.match(await next(), { op: 'error', code: 'bad_frame' });
  ws.ping();
  await once(ws, 'pong');
  t.pass('answers pings');
  ws.close();
});

t.test('upgrades only on /v1/realtime', async (t) => {
  const { url } = await setup(t);
  const ws = new WebSocket(`${url}/elsewhere`);
  ws.on('error', () => {});
  const [, res] = await once(ws, 'unexpected-response');
  t.equal(res.statusCode, 404);
  const { next, ws: ok } = await connect(`${url}/v1/realtime?client=widget`);
  t.same(await next(), { op: 'hello', protocol: 1 }, 'query strings are fine');
  ok.close();
});

t.test('an oversized frame closes that socket, not the server', async (t) => {
  const { url, realtime } = await setup(t);
  const { ws, next } = await connect(`${url}/v1/realtime`);
  await next();
  ws.send('x'.repeat(64 * 1024 + 1));
  const [code] = await once(ws, 'close');
  t.equal(code, 1009, 'message too big');
  t.ok(realtime.healthy());
  const again = await connect(`${url}/v1/realtime`);
  t.same(await again.next(), { op: 'hello', protocol: 1 }, 'still accepting');
  again.ws.close();
});

t.test('close() tells clients to reconnect (1012) and refuses new upgrades', async (t) => {
  const { url, realtime } = await setup(t);
  const { ws, next } = await connect(`${url}/v1/realtime`);
  await next();
  const closed = once(ws, 'close');
  await realtime.close();
  const [code] = await closed;
  t.equal(code, 1012, 'service restart');
  t.equal(realtime.healthy(), false);
  const late = new WebSocket(`${url}/v1/realtime`);
  late.on('error', () => {});
  const [, res] = await once(late, 'unexpected-response');
  t.equal(res.statusCode, 503, 'no upgrade after close');
});
