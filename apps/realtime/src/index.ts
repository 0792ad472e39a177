// The realtime tier, attached to an HTTP server's upgrade event on /v1/realtime. Thin for now:
// it greets, answers every frame with an error, and tells clients to reconnect when it closes.
// Subscriptions, replay from the event log and fan-out come in a later issue.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config, Database } from '@parley/data';

export const REALTIME_PATH = '/v1/realtime';
export const PROTOCOL_VERSION = 1;
const MAX_PAYLOAD = 64 * 1024;
/** close code 1012 "service restart": clients should reconnect (to this or another node) */
const CLOSE_RESTART = 1012;
const HEARTBEAT_MS = 30_000;
const CLOSE_GRACE_MS = 2_000;

export interface Realtime {
  healthy(): boolean;
  close(): Promise<void>;
}

export interface RealtimeOptions {
  config: Config;
  db: Database;
  log?: (line: string) => void;
}

type ServerFrame =
  | { op: 'hello'; protocol: number }
  | { op: 'error'; code: 'unsupported_op' | 'bad_frame'; message: string };

export function attachRealtime(server: Server, { log = () => {} }: RealtimeOptions): Realtime {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, clientTracking: true });
  const alive = new WeakSet<WebSocket>();
  let closed = false;

  const send = (ws: WebSocket, frame: ServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };

  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Protocol errors (oversized or malformed frames) close the socket; they must not crash us.
    ws.on('error', (err) => log(`realtime: socket error: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send(ws, { op: 'error', code: 'bad_frame', message: 'frames are JSON text; binary frames are not accepted' });
        return;
      }
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        send(ws, { op: 'error', code: 'bad_frame', message: 'a frame must be one JSON object' });
        return;
      }
      const op = frame && typeof frame === 'object' && 'op' in frame ? String(frame.op).slice(0, 64) : undefined;
      send(ws, {
        op: 'error',
        code: 'unsupported_op',
        message: op ? `op "${op}" is not supported by this server yet` : 'this server accepts no ops yet',
      });
    });
    send(ws, { op: 'hello', protocol: PROTOCOL_VERSION });
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://realtime.invalid').pathname;
    if (path !== REALTIME_PATH || closed) {
      const status = closed ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  // Stays attached after close(), answering 503, so an upgrade is never mistaken for a plain request.
  server.on('upgrade', onUpgrade);

  // Drop peers that stopped answering pings (a vanished phone keeps no TCP FIN to tell us).
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  return {
    healthy: () => !closed,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(heartbeat);
        const gone = [...wss.clients].map((ws) => new Promise<void>((ok) => ws.once('close', () => ok())));
        for (const ws of wss.clients) ws.close(CLOSE_RESTART, 'service restart');
        // Clients that don't complete the closing handshake in time are cut off.
        const grace = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, CLOSE_GRACE_MS);
        await Promise.all(gone);
        clearTimeout(grace);
        await new Promise<void>((ok) => wss.close(() => ok()));
        log('realtime: closed');
      })();
      return closing;
    },
  };
}
