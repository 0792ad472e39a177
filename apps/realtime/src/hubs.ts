// The hubs a node holds: one per thread with subscribers (hub.ts), opened on the first subscribe
// and released with the last. Events reach them two ways:
//   fast path: the bus (what the API publishes after each commit);
//   repair:    a gap in a thread's sequence, a bus reconnect (resync), or the periodic sweep of
//              thread heads makes a hub read the missing events from the log.
// A lost publish therefore delays an event (by at most one sweep) but never loses it.
import type { BusMessage } from '@parley/data';
import type { Grant } from './access.ts';
import type { BusListener, BusSubscriber } from './bus.ts';
import type { EventLog } from './event-log.ts';
import { Hub, render, type HubOptions, type Subscriber } from './hub.ts';

/** A connection's subscription to one thread. */
export interface Sub extends Subscriber {
  hub: Hub;
  /** what admitted a moderator subscription (reauth.ts re-checks it) */
  grant?: Grant;
}

export interface HubsOptions {
  log: EventLog;
  /** makes the bus that feeds the hubs */
  bus(listener: BusListener): BusSubscriber;
  /** how often every hub is compared with the log's head */
  sweepMs: number;
  hub: Omit<HubOptions, 'log' | 'onError'>;
  /** hears the bus too (the moderation queues, queue-hubs.ts) */
  tap?: BusListener;
  onError: (err: unknown) => void;
}

export class Hubs {
  private readonly hubs = new Map<string, Hub>();
  private readonly opening = new Map<string, Promise<Hub | undefined>>();
  private readonly opts: HubsOptions;
  readonly bus: BusSubscriber;
  private sweeping = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: HubsOptions) {
    this.opts = opts;
    this.bus = opts.bus({
      event: (e) => {
        this.offer(e);
        opts.tap?.event(e);
      },
      resync: () => {
        this.resync();
        opts.tap?.resync();
      },
    });
    this.sweeper = setInterval(() => void this.sweep(), opts.sweepMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.hubs.size;
  }

  subscriptions(): number {
    let n = 0;
    for (const hub of this.hubs.values()) n += hub.subs.size;
    return n;
  }

  /** The hub of a thread, opened if need be; undefined when no such thread exists. */
  async open(threadId: string): Promise<Hub | undefined> {
    const have = this.hubs.get(threadId);
    if (have) return have;
    let p = this.opening.get(threadId);
    if (!p) {
      p = this.create(threadId).finally(() => this.opening.delete(threadId));
      this.opening.set(threadId, p);
    }
    return p;
  }

  private async create(threadId: string): Promise<Hub | undefined> {
    const bus = this.bus;
    // Hear the thread before reading its head: whatever commits after the read arrives live.
    await bus.watch(threadId);
    const head = await this.opts.log.head(threadId);
    if (!head) {
      bus.unwatch(threadId);
      return undefined;
    }
    const hub = new Hub(threadId, head.forumId, head.lastSeq, { ...this.opts.hub, log: this.opts.log, onError: this.opts.onError });
    this.hubs.set(threadId, hub);
    return hub;
  }

  /** Closes the hub once nothing holds it. */
  release(hub: Hub): void {
    if (!hub.idle || this.hubs.get(hub.threadId) !== hub) return;
    this.hubs.delete(hub.threadId);
    hub.close();
    this.bus.unwatch(hub.threadId);
  }

  /** The fast path: a published event, or a reference to one (too large to publish, or unreadable here). */
  private offer(e: BusMessage): void {
    const hub = this.hubs.get(e.threadId);
    if (!hub) return;
    if (!e.event) return hub.behind(e.seq);
    try {
      hub.offer([render(e.event)]);
    } catch (err) {
      this.opts.onError(err);
      hub.behind(e.seq);
    }
  }

  /** The bus was away: whatever was published meanwhile is read from the log. */
  private resync(): void {
    for (const hub of this.hubs.values()) void hub.fill();
  }

  /** The repair path: compare every hub with the log's head; read whatever a hub is missing. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.hubs.size === 0) return;
    this.sweeping = true;
    try {
      const heads = await this.opts.log.heads([...this.hubs.keys()]);
      for (const [threadId, lastSeq] of heads) this.hubs.get(threadId)?.behind(lastSeq);
      // the log answers: subscribers whose replay failed meanwhile pick up where they stopped
      for (const hub of this.hubs.values()) hub.retry();
    } catch (err) {
      this.opts.onError(err);
    } finally {
      this.sweeping = false;
    }
  }

  stopSweeping(): void {
    clearInterval(this.sweeper);
  }

  close(): void {
    this.stopSweeping();
    for (const hub of this.hubs.values()) hub.close();
    this.hubs.clear();
  }
}
