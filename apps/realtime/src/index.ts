// The realtime tier: websockets on /v1/realtime, attached to an HTTP server's upgrade event (the
// API's in the embedded default, a node's own in apps/realtime/src/main.ts). Protocol 1 is
// specified in docs/realtime.md. How events reach a node:
//   fast path: the API publishes each committed event (Redis pub/sub, or Postgres NOTIFY);
//   repair:    a gap in a thread's sequence, a bus reconnect, or the periodic sweep of thread
//              heads makes the node read the missing events from the log.
// A lost publish therefore delays an event (by at most one sweep) but never loses it.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ForumCache, hashToken, safeEqual, tokenPrefix, type BusEvent, type Config, type Database } from '@parley/data';
import { readEvent } from '@parley/data';
import { checkId, ParleyError, type Forum } from '@parley/domain';
import { busSubscriber, type BusSubscriber } from './bus.ts';
import { EventLog } from './event-log.ts';
import { Hub, render, type Subscriber } from './hub.ts';

export const REALTIME_PATH = '/v1/realtime';
export const PROTOCOL_VERSION = 1;
/** close code 1012 "service restart": reconnect (to this or another node) and resume */
export const CLOSE_RESTART = 1012;
/** close code 1013 "try again later": the client fell too far behind (slow consumer) */
export const CLOSE_SLOW = 1013;
/** close code 1008 "policy violation": too many bad frames */
export const CLOSE_POLICY = 1008;
/** close code 4000: no subscriptions for longer than the idle timeout */
export const CLOSE_IDLE = 4000;
const CLOSE_GRACE_MS = 2_000;
/** how long /healthz waits for the database before calling it away */
const DATABASE_CHECK_MS = 2_000;
/** how long one database check answers /healthz */
const DATABASE_CHECK_TTL_MS = 1_000;
const RING_SIZE = 256;
const BATCH = 200;
/** frames close at 64 KiB (or a quarter of the send buffer, if smaller), so one frame never trips the slow-consumer bound */
const FRAME_BYTES = 64 * 1024;
/** malformed frames one connection may send before it is closed (refused operations have their own bound, realtimeMaxRefusals) */
const MAX_ERRORS = 20;

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

type ErrorCode =
  | 'bad_frame'
  | 'unknown_op'
  | 'unknown_field'
  | 'invalid_field'
  | 'thread_not_found'
  | 'forum_not_found'
  | 'origin_not_allowed'
  | 'unauthorized'
  | 'too_many_subscriptions'
  | 'already_subscribed'
  | 'not_subscribed'
  | 'slow_consumer'
  | 'unavailable';

/** Per-connection state: kept small, since one node holds very many. */
interface Conn {
  ws: WebSocket;
  origin: string | undefined;
  /** a bearer token from the upgrade's Authorization header (integrators), used when a subscribe brings no key */
  token: string | undefined;
  subs: Map<string, Sub | null> | undefined;
  idleSince: number;
  /** malformed frames so far */
  errors: number;
  /** refused operations so far (answers an honest client may get) */
  refusals: number;
  dead: boolean;
  /** payload bytes handed to the socket so far */
  sent: number;
  /** `sent` as it was when the last answered ping went out: the client has read at least this much */
  read: number;
  /** `sent` carried by the read probe in flight, if any */
  probing: number | undefined;
}

interface Sub extends Subscriber {
  hub: Hub;
}

const FIELDS: Record<string, readonly string[]> = {
  subscribe: ['op', 'threadId', 'after', 'key'],
  unsubscribe: ['op', 'threadId'],
  ping: ['op'],
};

export function attachRealtime(server: Server, { config, db, log = () => {} }: RealtimeOptions): Realtime {
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.realtimeMaxFrameBytes, clientTracking: true, perMessageDeflate: false });
  const eventLog = new EventLog(db);
  const forums = new ForumCache(db);
  const hubs = new Map<string, Hub>();
  const opening = new Map<string, Promise<Hub | undefined>>();
  const conns = new Map<WebSocket, Conn>();
  const alive = new WeakSet<WebSocket>();
  let closed = false;
  let lastErrorLog = 0;
  const logError = (err: unknown) => {
    if (Date.now() - lastErrorLog < 5000) return;
    lastErrorLog = Date.now();
    log(`realtime: ${(err as Error).message}`);
  };

  const bus: BusSubscriber = busSubscriber(
    config,
    db,
    {
      event: (e) => onBusEvent(e),
      resync: () => {
        for (const hub of hubs.values()) void hub.fill();
      },
    },
    log,
  );
  const started = bus.start().catch((err: Error) => log(`realtime: bus did not start (${err.message}); the sweep delivers until it does`));

  function onBusEvent(e: BusEvent): void {
    const hub = hubs.get(e.threadId);
    if (!hub) return;
    if (!e.event) return hub.behind(e.seq);
    try {
      hub.offer([render({ seq: e.seq, at: e.event.at, event: readEvent(e.event.type, e.event.version, e.event.snapshot) })]);
    } catch (err) {
      logError(err);
      hub.behind(e.seq);
    }
  }

  // ---- hubs

  async function openHub(threadId: string): Promise<Hub | undefined> {
    const have = hubs.get(threadId);
    if (have) return have;
    let p = opening.get(threadId);
    if (!p) {
      p = (async () => {
        // Hear the thread before reading its head: whatever commits after the read arrives live.
        await bus.watch(threadId);
        const head = await eventLog.head(threadId);
        if (!head) {
          bus.unwatch(threadId);
          return undefined;
        }
        const hub = new Hub(threadId, head.forumId, head.lastSeq, { log: eventLog, ringSize: RING_SIZE, coalesceMs: config.realtimeCoalesceMs, batch: BATCH, frameBytes: Math.max(1024, Math.min(FRAME_BYTES, config.realtimeSendBufferBytes / 4)), onError: logError });
        hubs.set(threadId, hub);
        return hub;
      })().finally(() => opening.delete(threadId));
      opening.set(threadId, p);
    }
    return p;
  }

  function releaseHub(hub: Hub): void {
    if (!hub.idle || hubs.get(hub.threadId) !== hub) return;
    hubs.delete(hub.threadId);
    hub.close();
    bus.unwatch(hub.threadId);
  }

  // The repair path: compare every hub with the log's head; read whatever a hub is missing.
  let sweeping = false;
  const sweep = setInterval(async () => {
    if (sweeping || hubs.size === 0) return;
    sweeping = true;
    try {
      const heads = await eventLog.heads([...hubs.keys()]);
      for (const [threadId, lastSeq] of heads) hubs.get(threadId)?.behind(lastSeq);
      // the log answers: subscribers whose replay failed meanwhile pick up where they stopped
      for (const hub of hubs.values()) hub.retry();
    } catch (err) {
      logError(err);
    } finally {
      sweeping = false;
    }
  }, config.realtimeSweepMs);
  sweep.unref();

  // ---- frames

  const sendJson = (c: Conn, frame: Record<string, unknown>): boolean => sendRaw(c, Buffer.from(JSON.stringify(frame)));

  // What a client has not read yet. The socket's own queue (bufferedAmount) fills only once the
  // kernel's buffers are full, and those hold megabytes (the client's receive buffer, the server's
  // send buffer), so it says nothing about a client that stopped reading a few MB ago. A ping is
  // answered only after everything sent before it was read (one ordered stream), so every ping
  // carries the byte count sent so far, and its pong proves the client has read that much. The
  // send buffer bound applies to sent minus read: kernel buffers included.
  const bound = config.realtimeSendBufferBytes;
  /** unread bytes that prompt a read probe (a ping) when none is in flight */
  const probeBytes = Math.max(1024, Math.floor(bound / 16));

  function unread(c: Conn): number {
    // the socket's queue too: a client that answers pings it never read cannot grow our memory
    return Math.max(c.sent - c.read, c.ws.bufferedAmount);
  }

  function probe(c: Conn): void {
    if (c.probing !== undefined || c.sent === c.read || c.ws.readyState !== c.ws.OPEN) return;
    c.probing = c.sent;
    c.ws.ping(String(c.sent));
  }

  function onPong(c: Conn, data: Buffer): void {
    const n = data.length > 0 && data.length <= 16 ? Number(data.toString('latin1')) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) return;
    c.read = Math.max(c.read, Math.min(n, c.sent));
    if (c.probing !== undefined && n >= c.probing) c.probing = undefined;
    if (c.sent - c.read >= probeBytes) probe(c);
  }

  function sendRaw(c: Conn, data: Buffer): boolean {
    if (c.dead || c.ws.readyState !== c.ws.OPEN) return false;
    // Event frames wait for room (Hub.pace); this catches what can't wait (answers, errors) piling
    // up for a client that doesn't read: twice the bound, so a reader being paced at the bound
    // still gets its answers.
    const waiting = unread(c);
    if (waiting > 0 && waiting + data.length > 2 * bound) {
      cutOff(c);
      return false;
    }
    c.ws.send(data, { binary: false });
    c.sent += data.length;
    if (c.sent - c.read >= probeBytes) probe(c);
    return true;
  }

  /** Bytes the connection may still be sent. */
  function roomOf(c: Conn): number {
    if (c.dead || c.ws.readyState !== c.ws.OPEN) return 0;
    return bound - unread(c);
  }

  /** Whether `bytes` may be sent now; anything fits once the client has read everything (one frame may exceed a small bound). */
  function fits(c: Conn, bytes: number): boolean {
    if (c.dead || c.ws.readyState !== c.ws.OPEN) return false;
    const waiting = unread(c);
    return waiting === 0 || waiting + bytes <= bound;
  }

  /** Waits for the client to read; one that makes no room within the grace is a slow consumer. */
  async function makeRoom(c: Conn, bytes: number): Promise<boolean> {
    const until = Date.now() + config.realtimeSlowConsumerMs;
    while (!c.dead && !fits(c, bytes)) {
      if (Date.now() >= until) {
        cutOff(c);
        return false;
      }
      probe(c);
      await new Promise((ok) => setTimeout(ok, 10));
    }
    return !c.dead;
  }

  /** A consumer that can't keep up: told to reset every thread, then disconnected. Its buffers go with it. */
  function cutOff(c: Conn): void {
    if (c.dead) return;
    c.dead = true;
    const ws = c.ws;
    const tail = [...(c.subs?.keys() ?? [])].map((threadId) => JSON.stringify({ op: 'reset', threadId }));
    tail.push(JSON.stringify({ op: 'error', code: 'slow_consumer', message: 'You fell too far behind; refetch the threads and subscribe again.' }));
    for (const f of tail) ws.send(f);
    dropSubs(c);
    ws.close(CLOSE_SLOW, 'slow consumer');
    setTimeout(() => ws.terminate(), 1000).unref();
  }

  function error(c: Conn, code: ErrorCode, message: string, threadId?: string): void {
    sendJson(c, { op: 'error', code, message, ...(threadId !== undefined ? { threadId } : {}) });
  }

  /** A malformed frame: a broken client. The 20th closes the connection. */
  function protocolError(c: Conn, code: ErrorCode, message: string, threadId?: string): void {
    error(c, code, message, threadId);
    if (++c.errors >= MAX_ERRORS) closePolicy(c, 'too many bad frames');
  }

  /** A well-formed operation refused: counted apart from bad frames, with a generous bound of its own. */
  function refuse(c: Conn, code: ErrorCode, message: string, threadId?: string): void {
    error(c, code, message, threadId);
    if (++c.refusals >= config.realtimeMaxRefusals) closePolicy(c, 'too many refused operations');
  }

  function closePolicy(c: Conn, reason: string): void {
    if (c.dead) return;
    c.dead = true;
    dropSubs(c);
    c.ws.close(CLOSE_POLICY, reason);
    setTimeout(() => c.ws.terminate(), 1000).unref();
  }

  function onFrame(c: Conn, data: Buffer, isBinary: boolean): void {
    if (c.dead) return;
    if (isBinary) return protocolError(c, 'bad_frame', 'Frames are JSON text; binary frames are not accepted.');
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      return protocolError(c, 'bad_frame', 'A frame must be one JSON object.');
    }
    if (!frame || typeof frame !== 'object' || Array.isArray(frame)) return protocolError(c, 'bad_frame', 'A frame must be one JSON object.');
    const f = frame as Record<string, unknown>;
    const op = typeof f.op === 'string' ? f.op : undefined;
    if (op === undefined || !Object.hasOwn(FIELDS, op)) {
      return protocolError(c, 'unknown_op', op === undefined ? 'A frame needs "op": subscribe, unsubscribe or ping.' : `Unknown op "${op.slice(0, 40)}"; use subscribe, unsubscribe or ping.`);
    }
    const extra = Object.keys(f).find((k) => !FIELDS[op].includes(k));
    if (extra !== undefined) return protocolError(c, 'unknown_field', `"${extra.slice(0, 40)}" is not a field of ${op}; it takes ${FIELDS[op].join(', ')}.`);
    if (op === 'ping') return void sendJson(c, { op: 'pong' });
    const threadId = f.threadId;
    if (typeof threadId !== 'string') return protocolError(c, 'invalid_field', `${op} needs "threadId", a thread id as a string.`);
    try {
      checkId(threadId, 'threadId');
    } catch (err) {
      return protocolError(c, 'invalid_field', (err as ParleyError).message, threadId.slice(0, 40));
    }
    if (op === 'unsubscribe') return unsubscribe(c, threadId);
    const after = f.after;
    if (after !== undefined && (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0)) {
      return protocolError(c, 'invalid_field', '"after" must be a whole number ≥ 0: the last sequence number you have.', threadId);
    }
    const key = f.key;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 512)) {
      return protocolError(c, 'invalid_field', '"key" must be the forum\'s moderator key.', threadId);
    }
    void subscribe(c, threadId, after as number | undefined, key as string | undefined).catch((err) => {
      c.subs?.delete(threadId);
      if (c.subs?.size === 0) c.idleSince = Date.now();
      logError(err);
      error(c, 'unavailable', 'The subscription could not be set up; try again.', threadId);
    });
  }

  /** True when the key (or the connection's token) moderates this forum. */
  async function moderates(token: string | undefined, forum: Forum): Promise<boolean | 'invalid'> {
    if (token === undefined) return false;
    if (config.adminToken !== undefined && !token.startsWith(tokenPrefix.moderator) && safeEqual(token, config.adminToken)) return true;
    if (!token.startsWith(tokenPrefix.moderator)) return 'invalid';
    const keyed = await forums.byModeratorKeyHash(hashToken(token));
    return keyed?.id === forum.id ? true : 'invalid';
  }

  async function subscribe(c: Conn, threadId: string, after: number | undefined, key: string | undefined): Promise<void> {
    c.subs ??= new Map();
    if (c.subs.has(threadId)) return refuse(c, 'already_subscribed', 'You are already subscribed to this thread.', threadId);
    if (c.subs.size >= config.realtimeMaxSubscriptions) {
      return refuse(c, 'too_many_subscriptions', `One connection may subscribe to at most ${config.realtimeMaxSubscriptions} threads.`, threadId);
    }
    c.subs.set(threadId, null); // reserved: counts toward the limit while it is set up
    const hub = await openHub(threadId);
    const still = () => !c.dead && c.subs?.get(threadId) === null;
    const abandon = () => {
      if (c.subs?.get(threadId) === null) c.subs.delete(threadId);
      if (c.subs?.size === 0) c.idleSince = Date.now();
    };
    if (!hub) {
      abandon();
      return refuse(c, 'thread_not_found', 'No thread has this id.', threadId);
    }
    hub.holds++;
    try {
      const forum = await forums.byId(hub.forumId);
      if (!forum) {
        abandon();
        return refuse(c, 'forum_not_found', "The thread's forum no longer exists.", threadId);
      }
      const moderator = await moderates(key ?? c.token, forum);
      if (moderator === 'invalid' && key !== undefined) {
        abandon();
        return refuse(c, 'unauthorized', "That key is not this thread's forum moderator key.", threadId);
      }
      const allowed = forum.settings.allowedOrigins;
      if (moderator !== true && allowed.length > 0 && (c.origin === undefined || !allowed.includes(c.origin))) {
        abandon();
        return refuse(c, 'origin_not_allowed', `This forum takes subscriptions only from its own sites, not from ${c.origin ?? 'a client without an Origin'}.`, threadId);
      }
      if (after !== undefined && after > hub.lastSeq) await hub.fill();
      if (!still()) return abandon();
      if (after !== undefined && (after > hub.lastSeq || hub.lastSeq - after > config.realtimeMaxReplay)) {
        abandon();
        sendJson(c, { op: 'reset', threadId, seq: hub.lastSeq });
        return;
      }
      const sub: Sub = {
        hub,
        cursor: after ?? hub.lastSeq,
        moderator: moderator === true,
        busy: false,
        active: true,
        room: () => roomOf(c),
        makeRoom: (bytes) => makeRoom(c, bytes),
        send: (frame) => void sendRaw(c, frame),
      };
      c.subs.set(threadId, sub);
      sendJson(c, { op: 'subscribed', threadId, seq: sub.cursor, moderator: sub.moderator });
      hub.add(sub);
    } finally {
      hub.holds--;
      if (hub.idle) releaseHub(hub);
    }
  }

  function unsubscribe(c: Conn, threadId: string): void {
    const sub = c.subs?.get(threadId);
    if (sub === undefined) return refuse(c, 'not_subscribed', 'You are not subscribed to this thread.', threadId);
    c.subs!.delete(threadId);
    if (sub) {
      sub.hub.remove(sub);
      releaseHub(sub.hub);
    }
    if (c.subs!.size === 0) c.idleSince = Date.now();
    sendJson(c, { op: 'unsubscribed', threadId });
  }

  function dropSubs(c: Conn): void {
    if (!c.subs) return;
    for (const sub of c.subs.values()) {
      if (!sub) continue;
      sub.hub.remove(sub);
      releaseHub(sub.hub);
    }
    c.subs.clear();
  }

  // ---- connections

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const auth = req.headers.authorization;
    const m = auth ? /^Bearer\s+(\S{1,512})\s*$/i.exec(auth) : null;
    const c: Conn = { ws, origin: req.headers.origin, token: m?.[1], subs: undefined, idleSince: Date.now(), errors: 0, refusals: 0, dead: false, sent: 0, read: 0, probing: undefined };
    conns.set(ws, c);
    alive.add(ws);
    ws.on('pong', (data) => {
      alive.add(ws);
      onPong(c, data);
    });
    // Protocol errors (an oversized frame, bad framing) close the socket; they must not crash us.
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => onFrame(c, data as Buffer, isBinary));
    ws.on('close', () => {
      c.dead = true;
      dropSubs(c);
      conns.delete(ws);
    });
    sendJson(c, {
      op: 'hello',
      protocol: PROTOCOL_VERSION,
      limits: {
        subscriptions: config.realtimeMaxSubscriptions,
        frameBytes: config.realtimeMaxFrameBytes,
        idleSeconds: config.realtimeIdleSeconds,
        replay: config.realtimeMaxReplay,
      },
    });
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

  // Heartbeats: every connection is pinged once per period, a slice per 100 ms tick, so a node
  // with 100,000 sockets never stalls its event loop pinging them all at once (and the pongs come
  // back spread out too). One that didn't answer the previous ping is dropped: a vanished phone
  // sends no FIN. A round starts no sooner than one period after the last one started, so a node
  // with few connections doesn't ping them every tick (and drop a peer whose pong takes 100 ms).
  const pingMs = config.realtimePingSeconds * 1000;
  const PING_TICK_MS = 100;
  let pingRound: WebSocket[] = [];
  let pingIndex = 0;
  let roundStarted = -Infinity;
  const heartbeat = setInterval(() => {
    if (pingIndex >= pingRound.length) {
      const now = performance.now();
      if (now - roundStarted < pingMs - PING_TICK_MS / 2) return;
      roundStarted = now;
      pingRound = [...conns.keys()];
      pingIndex = 0;
    }
    const slice = Math.ceil((pingRound.length * PING_TICK_MS) / pingMs);
    for (const end = Math.min(pingRound.length, pingIndex + slice); pingIndex < end; pingIndex++) {
      const ws = pingRound[pingIndex];
      if (!conns.has(ws)) continue;
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      // the heartbeat doubles as a read probe
      ws.ping(String(conns.get(ws)!.sent));
    }
  }, PING_TICK_MS);
  heartbeat.unref();

  // The idle timeout: a connection without subscriptions is closed.
  const idleMs = config.realtimeIdleSeconds * 1000;
  const housekeeping = setInterval(() => {
    const now = Date.now();
    for (const [ws, c] of conns) {
      if (c.dead || (c.subs !== undefined && c.subs.size > 0) || now - c.idleSince < idleMs) continue;
      c.dead = true;
      ws.close(CLOSE_IDLE, 'idle');
      setTimeout(() => ws.terminate(), 1000).unref();
    }
  }, Math.max(250, Math.min(5000, idleMs / 4)));
  housekeeping.unref();

  /** One round trip to each content primary (where the event log lives), within DATABASE_CHECK_MS. */
  async function checkDatabase(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((ok) => (timer = setTimeout(() => ok(false), DATABASE_CHECK_MS)));
    const check = Promise.all(db.shards().map((shard) => db.exec({ area: 'content', shard, mode: 'read', fresh: true }, 'SELECT 1'))).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([check, late]);
    } finally {
      clearTimeout(timer);
    }
  }
  let dbCheck: { at: number; result: Promise<boolean> } | undefined;

  let closing: Promise<void> | undefined;
  return {
    ready: () => started,
    healthy: () => !closed,
    database() {
      // shared by concurrent callers, and kept for a second: a load balancer polling /healthz
      // often makes at most one round trip a second
      if (dbCheck && performance.now() - dbCheck.at < DATABASE_CHECK_TTL_MS) return dbCheck.result;
      const result = checkDatabase();
      dbCheck = { at: performance.now(), result };
      return result;
    },
    stats: () => {
      let subscriptions = 0;
      for (const hub of hubs.values()) subscriptions += hub.subs.size;
      return { connections: conns.size, threads: hubs.size, subscriptions, bus: bus.kind, busConnected: bus.connected() };
    },
    buffers: () => {
      let queuedBytes = 0;
      let maxQueuedBytes = 0;
      let maxUnreadBytes = 0;
      for (const [ws, c] of conns) {
        const q = ws.bufferedAmount;
        queuedBytes += q;
        maxQueuedBytes = Math.max(maxQueuedBytes, q);
        maxUnreadBytes = Math.max(maxUnreadBytes, unread(c));
      }
      return { queuedBytes, maxQueuedBytes, maxUnreadBytes };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(housekeeping);
        clearInterval(heartbeat);
        clearInterval(sweep);
        const gone = [...wss.clients].map((ws) => new Promise<void>((ok) => ws.once('close', () => ok())));
        for (const ws of wss.clients) ws.close(CLOSE_RESTART, 'service restart');
        // Clients that don't complete the closing handshake in time are cut off.
        const grace = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, CLOSE_GRACE_MS);
        await Promise.all(gone);
        clearTimeout(grace);
        await new Promise<void>((ok) => wss.close(() => ok()));
        for (const hub of hubs.values()) hub.close();
        hubs.clear();
        await started;
        await bus.close();
        log('realtime: closed');
      })();
      return closing;
    },
  };
}
