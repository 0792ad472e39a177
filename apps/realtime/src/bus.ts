// The fast path, realtime side: hear the events the API publishes. Redis pub/sub when REDIS_URL is
// set (one channel per thread; a node subscribes only to the threads it serves), else Postgres
// LISTEN on each content shard's primary. Either way, when the connection comes back after a
// loss, the node is told to resync: publishes made while it was away are read from the log.
import pg from 'pg';
import { Redis } from 'ioredis';
import { decodeBusEvent, NOTIFY_CHANNEL, REDIS_CHANNEL_PREFIX, REDIS_FORUM_CHANNEL_PREFIX, redisChannel, redisForumChannel, type BusMessage, type Config, type Database } from '@parley/data';

export interface BusListener {
  event(e: BusMessage): void;
  /** the connection was lost and is back: anything published meanwhile was missed */
  resync(): void;
}

export interface BusSubscriber {
  readonly kind: 'redis' | 'notify';
  start(): Promise<void>;
  /** start hearing a thread; resolves once the subscription is in place (or after a short wait when the bus is down) */
  watch(threadId: string): Promise<void>;
  unwatch(threadId: string): void;
  /** start hearing every post event of a forum (its moderation queue), as watch does a thread's */
  watchForum(forumId: string): Promise<void>;
  unwatchForum(forumId: string): void;
  connected(): boolean;
  close(): Promise<void>;
}

const WATCH_WAIT_MS = 1000;

export function busSubscriber(config: Config, db: Database, listener: BusListener, log: (line: string) => void): BusSubscriber {
  return config.redisUrl ? new RedisSubscriber(config.redisUrl, listener, log) : new NotifySubscriber(db, listener, log);
}

class RedisSubscriber implements BusSubscriber {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly listener: BusListener;
  private readonly log: (line: string) => void;
  private wasReady = false;

  constructor(url: string, listener: BusListener, log: (line: string) => void) {
    this.listener = listener;
    this.log = log;
    // autoResubscribe restores every channel after a reconnect; the offline queue holds
    // subscribes made while Redis is away, and they go out when it is back.
    this.redis = new Redis(url, { lazyConnect: true, autoResubscribe: true, maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(50 * 2 ** n, 2000) });
    this.redis.on('error', () => {});
    this.redis.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(REDIS_CHANNEL_PREFIX) && !channel.startsWith(REDIS_FORUM_CHANNEL_PREFIX)) return;
      const e = decodeBusEvent(message);
      if (e) this.listener.event(e);
    });
    this.redis.on('ready', () => {
      if (this.wasReady) this.log('realtime: redis is back; resyncing threads from the event log');
      // publishes made while no subscription was in place (since a loss, or a start that failed) are in the log
      this.listener.resync();
      this.wasReady = true;
    });
    this.redis.on('close', () => {
      if (this.wasReady) this.log('realtime: lost redis; reconnecting');
    });
  }

  async start(): Promise<void> {
    await this.redis.connect();
  }

  watch(threadId: string): Promise<void> {
    return this.subscribe(redisChannel(threadId));
  }

  watchForum(forumId: string): Promise<void> {
    return this.subscribe(redisForumChannel(forumId));
  }

  unwatchForum(forumId: string): void {
    this.redis.unsubscribe(redisForumChannel(forumId)).catch(() => {});
  }

  private async subscribe(channel: string): Promise<void> {
    const done = this.redis.subscribe(channel).then(
      () => {},
      () => {},
    );
    await Promise.race([done, new Promise((ok) => setTimeout(ok, WATCH_WAIT_MS).unref())]);
  }

  unwatch(threadId: string): void {
    this.redis.unsubscribe(redisChannel(threadId)).catch(() => {});
  }

  connected(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One LISTEN session per distinct content primary, each reconnecting on its own with backoff. */
class NotifySubscriber implements BusSubscriber {
  readonly kind = 'notify';
  private readonly sessions: ListenSession[];

  constructor(db: Database, listener: BusListener, log: (line: string) => void) {
    const urls = new Set(db.shards().map((shard) => db.primaryUrl({ area: 'content', shard })));
    this.sessions = [...urls].map((url) => new ListenSession(url, listener, log));
  }

  async start(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.start()));
  }

  async watch(): Promise<void> {}

  unwatch(): void {}

  // every node hears every event of its shards' primaries already
  async watchForum(): Promise<void> {}

  unwatchForum(): void {}

  connected(): boolean {
    return this.sessions.every((s) => s.connected());
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }
}

class ListenSession {
  private readonly url: string;
  private readonly listener: BusListener;
  private readonly log: (line: string) => void;
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs = 100;

  constructor(url: string, listener: BusListener, log: (line: string) => void) {
    this.url = url;
    this.listener = listener;
    this.log = log;
  }

  /** The first connection; when the database is away, it keeps trying (and start() says so). */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.schedule();
      throw err;
    }
  }

  connected(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'parley:realtime-listen', keepAlive: true });
    client.on('notification', (n) => {
      if (n.channel !== NOTIFY_CHANNEL || !n.payload) return;
      const e = decodeBusEvent(n.payload);
      if (e) this.listener.event(e);
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      if (!this.closed) {
        this.log('realtime: lost the LISTEN session; reconnecting');
        this.schedule();
      }
    };
    // The listener stays for the client's whole life: an 'error' without one would crash the node.
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoffMs = 100;
    // Whatever was published while no session listened (since a loss, or since a start that
    // failed) is in the log: every hub reads it.
    this.listener.resync();
  }

  private schedule(): void {
    if (this.retry || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().catch(() => {
        this.backoffMs = Math.min(this.backoffMs * 2, 5000);
        this.schedule();
      });
    }, this.backoffMs);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}
