// The ceiling for bench:realtime: a bare Node `ws` server, no Parley, no database, no bus.
// `ws` is resolved from apps/realtime, so the ceiling runs the very library version Parley runs.
// It speaks just enough of protocol 1 for the same load generator: a hello on connect,
// {"op":"subscribe","threadId"} answered with {"op":"subscribed"}, and
// `POST /publish?thread=ID` whose body (an events frame of the real size, built by the benchmark
// from a frame Parley sent) goes to every subscriber of that thread. The POST is answered first
// and the frame sent on the next turn of the event loop, the order in which Parley's API answers
// and then publishes. Prints {"listening": url, "pid": n}; SIGTERM stops it.
//
// Two processes (the ceiling of two realtime nodes): the one the benchmark posts to gets the other's
// URL in CEILING_PEER and, before its own send loop, passes the frame on to it (`relayed=1`, not
// passed on again), as Redis hands one publish to every node. The relay is a request written by
// hand on a socket opened at start: http.request would only write once a socket is assigned, a
// later tick, i.e. after this process's own send loop, and the peer would start that much late.
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect, type AddressInfo, type Socket as NetSocket } from 'node:net';

interface Socket {
  send(data: Buffer, opts: { binary: boolean }): void;
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close' | 'error', fn: () => void): void;
}
interface Server {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: Socket) => void): void;
}
const require = createRequire(new URL('../../apps/realtime/package.json', import.meta.url));
const { WebSocketServer } = require('ws') as { WebSocketServer: new (o: Record<string, unknown>) => Server };

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 4096 });
const threads = new Map<string, Set<Socket>>();
const hello = Buffer.from(JSON.stringify({ op: 'hello', protocol: 1, ceiling: true }));
const peer = process.env.CEILING_PEER ? new URL(process.env.CEILING_PEER) : undefined;
let peerSocket: NetSocket | undefined;

/** A connection to the peer, opened again whenever it closes (its 204s are read and dropped). */
function openPeer(): Promise<void> {
  return new Promise((ok) => {
    const sock = connect({ host: peer!.hostname, port: Number(peer!.port) }, () => ok());
    sock.setNoDelay(true);
    sock.on('data', () => {});
    sock.on('error', (err) => process.stderr.write(`relay to ${peer!.href}: ${err.message}\n`));
    sock.on('close', () => {
      if (peerSocket === sock) void openPeer();
    });
    peerSocket = sock;
  });
}

function relay(thread: string, frame: Buffer): void {
  if (!peerSocket) return;
  const head = `POST /publish?thread=${encodeURIComponent(thread)}&relayed=1 HTTP/1.1\r\nHost: ${peer!.host}\r\nContent-Length: ${frame.length}\r\n\r\n`;
  peerSocket.write(Buffer.concat([Buffer.from(head), frame]));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://ceiling.invalid');
  if (req.method !== 'POST' || url.pathname !== '/publish') {
    res.writeHead(404).end();
    return;
  }
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => {
    const frame = Buffer.concat(parts);
    const thread = url.searchParams.get('thread') ?? '';
    const subs = threads.get(thread);
    res.writeHead(204).end();
    setImmediate(() => {
      if (url.searchParams.get('relayed') !== '1') relay(thread, frame);
      if (!subs) return;
      const t = performance.now();
      for (const ws of subs) ws.send(frame, { binary: false });
      // a fan-out reports how long the send loop took, to tell the server's part from the clients'
      if (subs.size >= 1000) process.stdout.write(`${JSON.stringify({ sent: subs.size, ms: performance.now() - t })}\n`);
    });
  });
});
server.keepAliveTimeout = 60_000;

server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.on('error', () => socket.destroy());
  wss.handleUpgrade(req, socket, head, (ws) => {
    const mine = new Set<string>();
    ws.on('error', () => {});
    ws.on('message', (data) => {
      let f: { op?: string; threadId?: string };
      try {
        f = JSON.parse(data.toString()) as typeof f;
      } catch {
        return;
      }
      if (f.op !== 'subscribe' || typeof f.threadId !== 'string') return;
      let subs = threads.get(f.threadId);
      if (!subs) threads.set(f.threadId, (subs = new Set()));
      subs.add(ws);
      mine.add(f.threadId);
      ws.send(Buffer.from(JSON.stringify({ op: 'subscribed', threadId: f.threadId, seq: 0, moderator: false })), { binary: false });
    });
    ws.on('close', () => {
      for (const t of mine) threads.get(t)?.delete(ws);
    });
    ws.send(hello, { binary: false });
  });
});

server.listen(0, '127.0.0.1', async () => {
  if (peer) await openPeer();
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
