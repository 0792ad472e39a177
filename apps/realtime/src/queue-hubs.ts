// The moderation queue, live (docs/realtime.md): one queue hub per forum whose queue a node's
// moderators follow. An event about one of the forum's posts is only a trigger: the hub reads the
// posts' current rows (one statement per batch, from the primary) and sends each as the queue item
// the HTTP list shows, so a change always carries the post's latest state and a late or repeated
// trigger can do no harm. Triggers come two ways, as a thread's events do (docs/adr/0004):
//   fast path: the bus (every post event of the forum: NOTIFY carries them all; Redis through
//              the forum's channel, which this node subscribes to while it serves the queue);
//   repair:    every sweep, the forum's post events past a (txid, id) cursor below the horizon
//              (docs/adr/0003), so a lost publish delays a change by about a sweep, never loses it.
import { onForumChannel, queueSql, type BusMessage, type ContentLocator, type Database } from '@parley/data';
import { queueItemView, type QueueItemView } from '@parley/domain';
import type { Grant } from './access.ts';
import type { BusListener, BusSubscriber } from './bus.ts';

/** A connection's subscription to one forum's queue. */
export interface QueueSub {
  hub: QueueHub;
  /** the forum's slug, as the client named it */
  forum: string;
  /** what admitted it (reauth.ts re-checks it) */
  grant: Grant;
  active: boolean;
  send(frame: Buffer): void;
}

interface Trigger {
  eventId: string;
  postId: string;
  type: string;
  at: Date;
  actor: string;
}

export interface QueueChange {
  eventId: string;
  type: string;
  at: string;
  actor: string;
  item: QueueItemView;
}

interface Deps {
  db: Database;
  locator: ContentLocator;
  onError: (err: unknown) => void;
}

/** Events that concern the queue only when they leave the post in one (the rest change a post's status). */
const contentOnly = new Set(['PostCreated', 'PostEdited']);
/** event ids remembered, so a trigger heard on the bus and read again by the repair is read once */
const SEEN_MAX = 4096;
const POLL_BATCH = 500;
const byEventId = (a: Trigger, b: Trigger) => (BigInt(a.eventId) < BigInt(b.eventId) ? -1 : 1);

export class QueueHub {
  readonly forumId: string;
  readonly slug: string;
  readonly subs = new Set<QueueSub>();
  /** subscriptions being set up; the hub stays while > 0 */
  holds = 0;
  private readonly deps: Deps;
  private cursor: { shard: number; txid: string; id: string };
  private readonly pending = new Map<string, Trigger>();
  private readonly seen = new Set<string>();
  private flushing: Promise<void> | undefined;
  private again = false;

  constructor(forumId: string, slug: string, cursor: { shard: number; txid: string }, deps: Deps) {
    this.forumId = forumId;
    this.slug = slug;
    this.cursor = { ...cursor, id: '0' };
    this.deps = deps;
  }

  get idle(): boolean {
    return this.subs.size === 0 && this.holds === 0;
  }

  offer(t: Trigger): void {
    if (this.seen.has(t.eventId)) return;
    this.seen.add(t.eventId);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
    const had = this.pending.get(t.postId);
    if (!had || byEventId(had, t) < 0) this.pending.set(t.postId, t);
    this.schedule();
  }

  /** The repair: the forum's post events the bus may have lost, past the cursor and below the horizon. */
  async poll(): Promise<void> {
    const { db, locator } = this.deps;
    const route = await locator.forumRoute(this.forumId, { fresh: true });
    if (route.shard !== this.cursor.shard) {
      // the forum moved: transaction ids are another database's; start from its horizon
      this.cursor = { shard: route.shard, txid: await horizon(db, route.shard), id: '0' };
    }
    for (;;) {
      const { rows } = await db.exec({ ...route, mode: 'read', fresh: true }, queueSql.selectForumPostEventsPast, [this.forumId, this.cursor.txid, this.cursor.id, POLL_BATCH]);
      for (const r of rows) {
        this.cursor = { shard: route.shard, txid: r.txid as string, id: String(r.id) };
        this.offer({ eventId: String(r.id), postId: String(r.post_id), type: r.type as string, at: r.at as Date, actor: r.actor as string });
      }
      if (rows.length < POLL_BATCH) break;
    }
    // a read that failed left its triggers waiting
    if (this.pending.size > 0) this.schedule();
  }

  private schedule(): void {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }

  /** Reads the posts triggered, and sends their changes to every subscriber: one frame, the same bytes. */
  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()].sort(byEventId);
    this.pending.clear();
    try {
      const route = await this.deps.locator.forumRoute(this.forumId);
      const { rows } = await this.deps.db.exec({ ...route, mode: 'read', fresh: true }, queueSql.selectQueueItems, [batch.map((t) => t.postId), this.forumId]);
      const items = new Map<string, QueueItemView>();
      for (const r of rows) {
        const { post, thread, authorEmail } = queueSql.queueRowParts(r);
        items.set(post.id, queueItemView(post, thread, authorEmail));
      }
      const changes: QueueChange[] = [];
      for (const t of batch) {
        const item = items.get(t.postId);
        if (!item || (item.queue === null && contentOnly.has(t.type))) continue;
        changes.push({ eventId: t.eventId, type: t.type, at: t.at.toISOString(), actor: t.actor, item });
      }
      if (changes.length === 0) return;
      const frame = Buffer.from(JSON.stringify({ op: 'queue', forum: this.slug, changes }));
      for (const sub of this.subs) if (sub.active) sub.send(frame);
    } catch (err) {
      this.deps.onError(err);
      // tried again at the next sweep (poll), unless a newer trigger of the post came meanwhile
      for (const t of batch) if (!this.pending.has(t.postId)) this.pending.set(t.postId, t);
    }
  }
}

async function horizon(db: Database, shard: number): Promise<string> {
  const { rows } = await db.exec({ area: 'content', shard, mode: 'read', fresh: true }, queueSql.selectHorizon);
  return rows[0].xmin as string;
}

export interface QueueHubsOptions extends Deps {
  sweepMs: number;
}

/** The node's queue hubs, by forum id: opened with a forum's first queue subscription, released with its last. */
export class QueueHubs implements BusListener {
  private readonly hubs = new Map<string, QueueHub>();
  private readonly opening = new Map<string, Promise<QueueHub>>();
  private readonly opts: QueueHubsOptions;
  private bus: BusSubscriber | undefined;
  private sweeping = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: QueueHubsOptions) {
    this.opts = opts;
    this.sweeper = setInterval(() => void this.sweep(), opts.sweepMs);
    this.sweeper.unref();
  }

  /** The bus the thread hubs made (this hears it through their tap). */
  attach(bus: BusSubscriber): void {
    this.bus = bus;
  }

  get size(): number {
    return this.hubs.size;
  }

  event(e: BusMessage): void {
    const hub = this.hubs.get(e.forumId);
    const ev = e.event;
    // a reference (no event) names no post: the repair read finds it
    if (!hub || !ev || !onForumChannel(ev)) return;
    hub.offer({ eventId: ev.id, postId: ev.postId!, type: ev.type, at: ev.at, actor: ev.actor });
  }

  resync(): void {
    void this.sweep();
  }

  async open(forumId: string, slug: string): Promise<QueueHub> {
    const have = this.hubs.get(forumId);
    if (have) return have;
    let p = this.opening.get(forumId);
    if (!p) {
      p = this.create(forumId, slug).finally(() => this.opening.delete(forumId));
      this.opening.set(forumId, p);
    }
    return p;
  }

  private async create(forumId: string, slug: string): Promise<QueueHub> {
    // hear the forum before reading the horizon: what commits after the read comes either way
    await this.bus?.watchForum(forumId);
    try {
      const { shard } = await this.opts.locator.forumRoute(forumId, { fresh: true });
      const hub = new QueueHub(forumId, slug, { shard, txid: await horizon(this.opts.db, shard) }, this.opts);
      this.hubs.set(forumId, hub);
      return hub;
    } catch (err) {
      this.bus?.unwatchForum(forumId);
      throw err;
    }
  }

  release(hub: QueueHub): void {
    if (!hub.idle || this.hubs.get(hub.forumId) !== hub) return;
    this.hubs.delete(hub.forumId);
    this.bus?.unwatchForum(hub.forumId);
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.hubs.size === 0) return;
    this.sweeping = true;
    try {
      for (const hub of this.hubs.values()) await hub.poll().catch(this.opts.onError);
    } finally {
      this.sweeping = false;
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.hubs.clear();
  }
}
