// One websocket connection: what it has been sent and read (back-pressure), its subscriptions,
// its error budgets, and the ways it ends. Kept small, since one node holds very many.
//
// What a client has not read yet: the socket's own queue (bufferedAmount) fills only once the
// kernel's buffers are full, and those hold megabytes (the client's receive buffer, the server's
// send buffer), so it says nothing about a client that stopped reading a few MB ago. A ping is
// answered only after everything sent before it was read (one ordered stream), so every ping
// carries the byte count sent so far, and its pong proves the client has read that much. The
// send buffer bound applies to sent minus read: kernel buffers included.
import type { WebSocket } from 'ws';
import type { Clock } from './clock.ts';
import type { Sub } from './hubs.ts';
import type { QueueSub } from './queue-hubs.ts';
import { CLOSE_IDLE, CLOSE_POLICY, CLOSE_SLOW, errorFrame, resetFrame, type ErrorFrame } from './protocol.ts';

/** malformed frames one connection may send before it is closed (refused operations have their own bound) */
export const MAX_BAD_FRAMES = 20;
/** how long a closing socket has to finish the closing handshake */
const TERMINATE_MS = 1000;
const MAKE_ROOM_POLL_MS = 10;

export interface ConnectionOptions {
  /** unread bytes a connection may have (config.realtimeSendBufferBytes) */
  bound: number;
  /** how long a client may stay the bound behind before it is cut off */
  slowConsumerMs: number;
  /** refused operations before the connection is closed */
  maxRefusals: number;
  clock: Clock;
  /** the connection is over (closed, cut off): its subscriptions go */
  release(c: Connection): void;
}

export class Connection {
  readonly ws: WebSocket;
  readonly origin: string | undefined;
  /** a bearer token from the upgrade's Authorization header (integrators), used when a subscribe brings no key */
  readonly token: string | undefined;
  /** threadId to its subscription; null while one is being set up (it counts toward the limit) */
  subs: Map<string, Sub | null> | undefined;
  /** a forum's slug to its moderation queue subscription; null while being set up (it counts toward the limit) */
  queues: Map<string, QueueSub | null> | undefined;
  /** when the connection last had no subscriptions (clock time) */
  idleSince: number;
  dead = false;
  /** payload bytes handed to the socket so far */
  sent = 0;
  /** `sent` as it was when the last answered ping went out: the client has read at least this much */
  private read = 0;
  /** `sent` carried by the read probe in flight, if any */
  private probing: number | undefined;
  private badFrames = 0;
  private refusals = 0;
  private readonly opts: ConnectionOptions;

  constructor(ws: WebSocket, origin: string | undefined, token: string | undefined, opts: ConnectionOptions) {
    this.ws = ws;
    this.origin = origin;
    this.token = token;
    this.opts = opts;
    this.idleSince = opts.clock.now();
  }

  private get open(): boolean {
    return !this.dead && this.ws.readyState === this.ws.OPEN;
  }

  /** unread bytes, the socket's queue too: a client that answers pings it never read cannot grow our memory */
  unread(): number {
    return Math.max(this.sent - this.read, this.ws.bufferedAmount);
  }

  /** unread bytes that prompt a read probe (a ping) when none is in flight */
  private get probeBytes(): number {
    return Math.max(1024, Math.floor(this.opts.bound / 16));
  }

  private probe(): void {
    if (this.probing !== undefined || this.sent === this.read || this.ws.readyState !== this.ws.OPEN) return;
    this.probing = this.sent;
    this.ws.ping(String(this.sent));
  }

  /** The heartbeat's ping: it doubles as a read probe. */
  ping(): void {
    this.ws.ping(String(this.sent));
  }

  onPong(data: Buffer): void {
    const n = data.length > 0 && data.length <= 16 ? Number(data.toString('latin1')) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) return;
    this.read = Math.max(this.read, Math.min(n, this.sent));
    if (this.probing !== undefined && n >= this.probing) this.probing = undefined;
    if (this.sent - this.read >= this.probeBytes) this.probe();
  }

  sendJson(frame: object): boolean {
    return this.send(Buffer.from(JSON.stringify(frame)));
  }

  send(data: Buffer): boolean {
    if (!this.open) return false;
    // Event frames wait for room (Hub.pace); this catches what can't wait (answers, errors) piling
    // up for a client that doesn't read: twice the bound, so a reader being paced at the bound
    // still gets its answers.
    const waiting = this.unread();
    if (waiting > 0 && waiting + data.length > 2 * this.opts.bound) {
      this.cutOff();
      return false;
    }
    this.ws.send(data, { binary: false });
    this.sent += data.length;
    if (this.sent - this.read >= this.probeBytes) this.probe();
    return true;
  }

  /** Bytes the connection may still be sent. */
  room(): number {
    return this.open ? this.opts.bound - this.unread() : 0;
  }

  /** Whether `bytes` may be sent now; anything fits once the client has read everything (one frame may exceed a small bound). */
  private fits(bytes: number): boolean {
    if (!this.open) return false;
    const waiting = this.unread();
    return waiting === 0 || waiting + bytes <= this.opts.bound;
  }

  /** Waits for the client to read; one that makes no room within the grace is a slow consumer. */
  async makeRoom(bytes: number): Promise<boolean> {
    const until = Date.now() + this.opts.slowConsumerMs;
    while (!this.dead && !this.fits(bytes)) {
      if (Date.now() >= until) {
        this.cutOff();
        return false;
      }
      this.probe();
      await new Promise((ok) => setTimeout(ok, MAKE_ROOM_POLL_MS));
    }
    return !this.dead;
  }

  /** A malformed frame: a broken client. The MAX_BAD_FRAMES-th closes the connection. */
  badFrame(frame: ErrorFrame): void {
    this.sendJson(frame);
    if (++this.badFrames >= MAX_BAD_FRAMES) this.closePolicy('too many bad frames');
  }

  /** A well-formed operation refused: counted apart from bad frames, with a generous bound of its own. */
  refuse(frame: ErrorFrame): void {
    this.sendJson(frame);
    if (++this.refusals >= this.opts.maxRefusals) this.closePolicy('too many refused operations');
  }

  /** A consumer that can't keep up: told to reset every thread, then disconnected. Its buffers go with it. */
  cutOff(): void {
    if (this.dead) return;
    this.dead = true;
    const tail = [...(this.subs?.keys() ?? [])].map((threadId) => JSON.stringify(resetFrame(threadId)));
    tail.push(JSON.stringify(errorFrame('slow_consumer')));
    for (const f of tail) this.ws.send(f);
    this.end(CLOSE_SLOW, 'slow consumer');
  }

  closePolicy(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.end(CLOSE_POLICY, reason);
  }

  closeIdle(): void {
    if (this.dead) return;
    this.dead = true;
    this.end(CLOSE_IDLE, 'idle');
  }

  /** The socket closed (by either side). */
  closed(): void {
    this.dead = true;
    this.opts.release(this);
  }

  private end(code: number, reason: string): void {
    this.opts.release(this);
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), TERMINATE_MS).unref();
  }
}
