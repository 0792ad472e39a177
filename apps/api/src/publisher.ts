// The realtime fast path, API side: after a write commits, its thread events are published so
// every realtime node can push them at once. With REDIS_URL they go through Redis pub/sub (one
// channel per thread); without it, through Postgres NOTIFY on the thread's shard.
//
// A publish is best effort by design. The event is already in the log; a publish that is lost
// (Redis down, a full offline queue, a process killed after its commit) only delays delivery
// until a realtime node's sweep or gap check reads the log (apps/realtime, docs/realtime.md).
import { Redis } from 'ioredis';
import { encodeBusEvent, NOTIFY_CHANNEL, NOTIFY_MAX_BYTES, onForumChannel, redisChannel, redisForumChannel, shardOfId, type Config, type Database, type ThreadEvent } from '@parley/data';

export interface PublisherStats {
  published: number;
  failed: number;
  dropped: number;
}

export interface Publisher {
  readonly kind: 'redis' | 'notify';
  readonly stats: PublisherStats;
  /** resolves once every event committed so far has been handed to the bus (tests, shutdown) */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export interface PublisherOptions {
  /** Test seam for the repair path: events for which this returns true are not published. */
  drop?: (e: ThreadEvent) => boolean;
  log?: (line: string) => void;
}

/** Starts publishing every thread event this database commits; `close` stops and flushes. */
export function startPublisher(config: Config, db: Database, opts: PublisherOptions = {}): Publisher {
  const stats: PublisherStats = { published: 0, failed: 0, dropped: 0 };
  const log = opts.log ?? (() => {});
  let lastFailureLog = 0;
  const failed = (n: number, err: unknown) => {
    stats.failed += n;
    // One line per 10 s at most: a Redis outage must not flood the log.
    if (Date.now() - lastFailureLog > 10_000) {
      lastFailureLog = Date.now();
      log(`realtime publish failed (the sweep will deliver from the event log): ${(err as Error).message}`);
    }
  };
  const keep = (events: ThreadEvent[]) => {
    if (!opts.drop) return events;
    const kept = events.filter((e) => !opts.drop!(e));
    stats.dropped += events.length - kept.length;
    return kept;
  };

  if (config.redisUrl) {
    // No offline queue: while Redis is down a publish fails at once instead of piling up in memory.
    const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, enableAutoPipelining: true, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => {}); // reconnects on its own; failed publishes are counted below
    const pending = new Set<Promise<void>>();
    const off = db.onCommitted((events) => {
      for (const e of keep(events)) {
        const message = encodeBusEvent(e);
        const p: Promise<void> = redis.publish(redisChannel(e.threadId), message).then(
          () => void stats.published++,
          (err) => failed(1, err),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
        // the forum's channel too, for the nodes serving its moderation queue: counted nowhere,
        // since a lost one is repaired the same way (the queue's read of the log)
        if (onForumChannel(e)) redis.publish(redisForumChannel(e.forumId), message).catch(() => {});
      }
    });
    return {
      kind: 'redis',
      stats,
      async flushed() {
        await Promise.all(pending);
      },
      async close() {
        off();
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }

  // NOTIFY: one statement at a time; events committed while it runs (or in the same turn of the
  // event loop) go together in the next, so under load a NOTIFY carries many events.
  let queued: ThreadEvent[] = [];
  let scheduled = false;
  let inFlight: Promise<void> | undefined;
  const flush = () => {
    scheduled = false;
    if (inFlight || queued.length === 0) return;
    const batch = queued;
    queued = [];
    const byShard = new Map<number, string[]>();
    for (const e of batch) {
      const shard = shardOfId(e.threadId);
      if (!byShard.has(shard)) byShard.set(shard, []);
      byShard.get(shard)!.push(encodeBusEvent(e, NOTIFY_MAX_BYTES));
    }
    const sends = [...byShard].map(([shard, payloads]) =>
      db.exec({ area: 'content', shard, mode: 'write' }, notifySql, [NOTIFY_CHANNEL, payloads]).then(
        () => void (stats.published += payloads.length),
        (err) => failed(payloads.length, err),
      ),
    );
    inFlight = Promise.all(sends).then(() => {
      inFlight = undefined;
      flush();
    });
  };
  const off = db.onCommitted((events) => {
    const kept = keep(events);
    if (kept.length === 0) return;
    queued.push(...kept);
    if (!scheduled && !inFlight) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  return {
    kind: 'notify',
    stats,
    async flushed() {
      while (scheduled || inFlight) await (inFlight ?? new Promise<void>((ok) => setImmediate(ok)));
    },
    async close() {
      off();
      flush();
      while (inFlight) await inFlight;
    },
  };
}

const notifySql = { name: 'parley_notify_thread_events', text: 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p' };
