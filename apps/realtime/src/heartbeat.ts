// Heartbeats: every connection is pinged once per period, a slice per tick (100 ms), so a node
// with 100,000 sockets never stalls its event loop pinging them all at once (and the pongs come
// back spread out too). One that didn't answer its previous ping is dropped: a vanished phone
// sends no FIN. A round starts no sooner than one period after the last one started, so a node
// with few connections doesn't ping them every tick (and drop a peer whose pong takes a tick).
import { systemClock, type Clock } from './clock.ts';

export const PING_TICK_MS = 100;

export interface HeartbeatOptions<T> {
  periodMs: number;
  tickMs?: number;
  clock?: Clock;
  /** the connections now; a round pings those present when it starts */
  members(): Iterable<T>;
  /** false once the connection has gone (it is then neither pinged nor dropped) */
  has(member: T): boolean;
  ping(member: T): void;
  /** it didn't answer the previous ping */
  drop(member: T): void;
}

export class Heartbeat<T extends object> {
  private readonly opts: HeartbeatOptions<T>;
  private readonly tickMs: number;
  private readonly clock: Clock;
  /** members that answered since their last ping (or joined since) */
  private readonly answered = new WeakSet<T>();
  private round: T[] = [];
  private index = 0;
  private roundStarted = -Infinity;
  private stopTimer: (() => void) | undefined;

  constructor(opts: HeartbeatOptions<T>) {
    this.opts = opts;
    this.tickMs = opts.tickMs ?? PING_TICK_MS;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    this.stopTimer ??= this.clock.every(this.tickMs, () => this.tick());
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  /** A new connection, or a pong: it counts as alive until its next ping. */
  heard(member: T): void {
    this.answered.add(member);
  }

  private tick(): void {
    const { periodMs } = this.opts;
    if (this.index >= this.round.length) {
      const now = this.clock.now();
      if (now - this.roundStarted < periodMs - this.tickMs / 2) return;
      this.roundStarted = now;
      this.round = [...this.opts.members()];
      this.index = 0;
    }
    const slice = Math.ceil((this.round.length * this.tickMs) / periodMs);
    for (const end = Math.min(this.round.length, this.index + slice); this.index < end; this.index++) {
      const member = this.round[this.index];
      if (!this.opts.has(member)) continue;
      if (!this.answered.has(member)) {
        this.opts.drop(member);
        continue;
      }
      this.answered.delete(member);
      this.opts.ping(member);
    }
  }
}
