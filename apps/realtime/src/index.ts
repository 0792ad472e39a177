// The realtime tier: websockets on /v1/realtime, attached to an HTTP server's upgrade event (the
// API's in the embedded default, a node's own in apps/realtime/src/main.ts). Protocol 1 is
// specified in docs/realtime.md. This file wires the parts:
//   protocol.ts       frames in and out (pure)
//   access.ts         who may subscribe, and who sees hidden events (@parley/access's rules)
//   connection.ts     one socket: back-pressure, error budgets, how it ends
//   subscriptions.ts  a connection's operations, admitted to the hubs
//   hubs.ts, hub.ts   one hub per served thread, fed by the bus (bus.ts) and the log (event-log.ts)
//   heartbeat.ts, idle.ts  timers over every connection, on an injectable clock (clock.ts)
//   reauth.ts         re-checks moderator subscriptions' sessions and keys (revocation)
//   queue-hubs.ts, queue-subscriptions.ts  forums' moderation queues, live, for their moderators
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ContentLocator, ForumCache, type Config, type Database } from '@parley/data';
import { upgradeToken } from './access.ts';
import { busSubscriber } from './bus.ts';
import { systemClock } from './clock.ts';
import { Connection } from './connection.ts';
import { EventLog } from './event-log.ts';
import { databaseCheck } from './health.ts';
import { Heartbeat } from './heartbeat.ts';
import { Hubs } from './hubs.ts';
import { idleTimeout } from './idle.ts';
import { startReauth } from './reauth.ts';
import { QueueHubs } from './queue-hubs.ts';
import { QueueSubscriptions } from './queue-subscriptions.ts';
import { CLOSE_RESTART, helloFrame, REALTIME_PATH } from './protocol.ts';
import { Subscriptions } from './subscriptions.ts';

export { CLOSE_IDLE, CLOSE_POLICY, CLOSE_RESTART, CLOSE_SLOW, PROTOCOL_VERSION, REALTIME_PATH } from './protocol.ts';

const CLOSE_GRACE_MS = 2_000;
const RING_SIZE = 256;
const BATCH = 200;
/** frames close at 64 KiB (or a quarter of the send buffer, if smaller), so one frame never trips the slow-consumer bound */
const FRAME_BYTES = 64 * 1024;
/** at most one error line per this long: a database outage fails every read at once */
const ERROR_LOG_MS = 5_000;

export interface Realtime {
  /** resolves once the bus (Redis or the LISTEN sessions) is connected, or has failed to start (the sweep then delivers) */
  ready(): Promise<void>;
  healthy(): boolean;
  /** one round trip to each content primary (the event log), within 2 s, at most one a second: false while the database is away */
  database(): Promise<boolean>;
  /** what the node holds now (for /healthz, tests and the benchmark) */
  stats(): { connections: number; threads: number; subscriptions: number; bus: string; busConnected: boolean };
  /**
   * Bytes held for clients, visiting every connection (so not on /healthz). queuedBytes: in the
   * sockets' own queues, summed (maxQueuedBytes: the largest); maxUnreadBytes: the most any client
   * has been sent and not yet confirmed reading (kernel buffers included).
   */
  buffers(): { queuedBytes: number; maxQueuedBytes: number; maxUnreadBytes: number };
  close(): Promise<void>;
}

export interface RealtimeOptions {
  config: Config;
  db: Database;
  log?: (line: string) => void;
}

export function attachRealtime(server: Server, { config, db, log = () => {} }: RealtimeOptions): Realtime {
  const clock = systemClock;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.realtimeMaxFrameBytes, clientTracking: true, perMessageDeflate: false });
  const conns = new Map<WebSocket, Connection>();
  let closed = false;
  let lastErrorLog = -Infinity;
  const logError = (err: unknown) => {
    if (clock.now() - lastErrorLog < ERROR_LOG_MS) return;
    lastErrorLog = clock.now();
    log(`realtime: ${(err as Error).message}`);
  };

  const forums = new ForumCache(db);
  const locator = new ContentLocator(db, forums);
  const eventLog = new EventLog(db, locator);
  const queueHubs = new QueueHubs({ db, locator, sweepMs: config.realtimeSweepMs, onError: logError });
  const hubs = new Hubs({
    log: eventLog,
    bus: (listener) => busSubscriber(config, db, listener, log),
    sweepMs: config.realtimeSweepMs,
    hub: { ringSize: RING_SIZE, coalesceMs: config.realtimeCoalesceMs, batch: BATCH, frameBytes: Math.max(1024, Math.min(FRAME_BYTES, config.realtimeSendBufferBytes / 4)) },
    tap: queueHubs,
    onError: logError,
  });
  queueHubs.attach(hubs.bus);
  const started = hubs.bus.start().catch((err: Error) => log(`realtime: bus did not start (${err.message}); the sweep delivers until it does`));
  const auth = { db, forums, adminToken: config.adminToken };
  const queueSubscriptions = new QueueSubscriptions({ queues: queueHubs, auth, maxSubscriptions: config.realtimeMaxSubscriptions, clock });
  const subscriptions = new Subscriptions({
    hubs,
    queues: queueSubscriptions,
    auth,
    maxSubscriptions: config.realtimeMaxSubscriptions,
    maxReplay: config.realtimeMaxReplay,
    clock,
    onError: logError,
  });
  const connectionOptions = {
    bound: config.realtimeSendBufferBytes,
    slowConsumerMs: config.realtimeSlowConsumerMs,
    maxRefusals: config.realtimeMaxRefusals,
    clock,
    release: (c: Connection) => {
      subscriptions.drop(c);
      queueSubscriptions.drop(c);
    },
  };

  const heartbeat = new Heartbeat<Connection>({
    periodMs: config.realtimePingSeconds * 1000,
    clock,
    members: () => conns.values(),
    has: (c) => conns.has(c.ws),
    ping: (c) => c.ping(),
    drop: (c) => c.ws.terminate(),
  });
  heartbeat.start();
  const stopIdle = idleTimeout(config.realtimeIdleSeconds * 1000, clock, () => conns.values());
  const stopReauth = startReauth({
    periodMs: config.realtimeReauthSeconds * 1000,
    deps: auth,
    connections: () => conns.values(),
    revoke: (h) => ('forum' in h ? queueSubscriptions.revoke(h.c, h.forum, h.sub) : subscriptions.revoke(h.c, h.threadId, h.sub)),
    onError: logError,
  });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const c = new Connection(ws, req.headers.origin, upgradeToken(req.headers.authorization), connectionOptions);
    conns.set(ws, c);
    heartbeat.heard(c);
    ws.on('pong', (data) => {
      heartbeat.heard(c);
      c.onPong(data);
    });
    // Protocol errors (an oversized frame, bad framing) close the socket; they must not crash us.
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => subscriptions.onFrame(c, data as Buffer, isBinary));
    ws.on('close', () => {
      c.closed();
      conns.delete(ws);
    });
    c.sendJson(
      helloFrame({
        subscriptions: config.realtimeMaxSubscriptions,
        frameBytes: config.realtimeMaxFrameBytes,
        idleSeconds: config.realtimeIdleSeconds,
        replay: config.realtimeMaxReplay,
      }),
    );
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

  let closing: Promise<void> | undefined;
  return {
    ready: () => started,
    healthy: () => !closed,
    database: databaseCheck(db),
    stats: () => ({ connections: conns.size, threads: hubs.size, subscriptions: hubs.subscriptions(), bus: hubs.bus.kind, busConnected: hubs.bus.connected() }),
    buffers: () => {
      let queuedBytes = 0;
      let maxQueuedBytes = 0;
      let maxUnreadBytes = 0;
      for (const [ws, c] of conns) {
        const q = ws.bufferedAmount;
        queuedBytes += q;
        maxQueuedBytes = Math.max(maxQueuedBytes, q);
        maxUnreadBytes = Math.max(maxUnreadBytes, c.unread());
      }
      return { queuedBytes, maxQueuedBytes, maxUnreadBytes };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        stopIdle();
        stopReauth();
        heartbeat.stop();
        hubs.stopSweeping();
        const gone = [...wss.clients].map((ws) => new Promise<void>((ok) => ws.once('close', () => ok())));
        for (const ws of wss.clients) ws.close(CLOSE_RESTART, 'service restart');
        // Clients that don't complete the closing handshake in time are cut off.
        const grace = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, CLOSE_GRACE_MS);
        await Promise.all(gone);
        clearTimeout(grace);
        await new Promise<void>((ok) => wss.close(() => ok()));
        hubs.close();
        queueHubs.close();
        await started;
        await hubs.bus.close();
        log('realtime: closed');
      })();
      return closing;
    },
  };
}
