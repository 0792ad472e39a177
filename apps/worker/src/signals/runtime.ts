// The worker runtime. A relay moves events from the log into pg-boss in chunks; consumers run
// the registry's handlers on batches of chunks, and every follow-up queue (webhooks, email) on
// batches of its jobs. Failures retry with backoff; a job that keeps failing lands in its dead
// letter queue (`<queue>.dead`), which `pnpm dlq` lists, shows and replays.
import { PgBoss } from 'pg-boss';
import type { Job } from 'pg-boss';
import { ContentLocator, eventRowFromRow, ForumCache, fromJobEvent, signalSql, toJobEvent, type Executor, type JobEvent, type LoggedEvent, type Route } from '@parley/data';
import type { QueueDefinition, SignalContext, SignalRegistry } from './registry.ts';

export const SIGNALS_QUEUE = 'parley.signals';
export const deadQueue = (name: string): string => `${name}.dead`;

/** A `parley.signals` job: a chunk of the log in the job wire format (event-wire.ts). */
export interface SignalsJob {
  v: 1;
  events: JobEvent[];
}

/** Each content shard's log has its own relay cursor. */

export interface RuntimeOptions {
  registry: SignalRegistry;
  ctx: Omit<SignalContext, 'boss' | 'locator'> & { locator?: ContentLocator };
  connectionString: string;
  /** events read from the log per relay step */
  relayBatchSize?: number;
  /** events per signals job */
  chunkSize?: number;
  /** signals jobs per consumer batch */
  consumerBatchSize?: number;
  /** consumer loops per process */
  concurrency?: number;
  relayIdleMs?: number;
  signalsRetry?: { limit: number; delay: number };
  /** how often pg-boss looks for jobs whose worker stopped sending heartbeats (a crashed process) */
  monitorSeconds?: number;
  /**
   * The event databases this runtime relays, each with its relay cursor: they must be the database
   * `connectionString` names, since the relay puts their jobs in that database's pg-boss schema in
   * the same transaction. Default: every content shard (one database for everything).
   */
  sources?: { route: Omit<Route, 'mode'>; cursor: string }[];
}

/** The runtime's tuning when its options leave it unset; exported so the harness and the benchmarks print and use what runs. */
export const runtimeDefaults = Object.freeze({ relayBatchSize: 2000, chunkSize: 200, consumerBatchSize: 50, concurrency: 2, relayIdleMs: 50, monitorSeconds: 10 });

/** A job whose worker sends no heartbeat for this long (it crashed) is retried. pg-boss's minimum. */
const HEARTBEAT_SECONDS = 10;

/** pg-boss statements inside one of our transactions. */
export const bossDb = (ex: Executor) => ({ executeSql: (text: string, values?: unknown[]) => ex.query(text, values) });

export class SignalRuntime {
  readonly boss: PgBoss;
  private readonly o: Required<Omit<RuntimeOptions, 'signalsRetry' | 'sources'>> & Pick<RuntimeOptions, 'signalsRetry' | 'sources'>;
  private running = false;
  private relayLoop?: Promise<void>;
  private wake?: () => void;

  private readonly locator: ContentLocator;

  private constructor(boss: PgBoss, o: RuntimeOptions) {
    this.boss = boss;
    this.o = { ...runtimeDefaults, ...o };
    this.locator = o.ctx.locator ?? new ContentLocator(o.ctx.db, new ForumCache(o.ctx.db));
  }

  static async create(o: RuntimeOptions): Promise<SignalRuntime> {
    const boss = new PgBoss({
      connectionString: o.connectionString,
      application_name: 'parley:worker',
      max: 6,
      schedule: false,
      monitorIntervalSeconds: o.monitorSeconds ?? 10,
      superviseIntervalSeconds: o.monitorSeconds ?? 10,
    });
    // pg-boss reports every failed poll; while the database is away that is several a second
    let lastError = 0;
    let quiet = 0;
    boss.on('error', (err) => {
      if (Date.now() - lastError < 10_000) return void quiet++;
      o.ctx.log(`worker: pg-boss error${quiet ? ` (and ${quiet} more since the last line)` : ''}: ${err.message}`);
      lastError = Date.now();
      quiet = 0;
    });
    const rt = new SignalRuntime(boss, o);
    try {
      await boss.start();
      await rt.createQueues();
    } catch (err) {
      // the database went away half-way: leave no pg-boss loops behind for the caller's retry
      await boss.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => {});
      throw err;
    }
    return rt;
  }

  get ctx(): SignalContext {
    return { ...this.o.ctx, boss: this.boss, locator: this.locator };
  }

  private async createQueues(): Promise<void> {
    const retry = this.o.signalsRetry ?? { limit: 10, delay: 2 };
    const defs: { name: string; retryLimit: number; retryDelay: number; retryBackoff: boolean }[] = [
      { name: SIGNALS_QUEUE, retryLimit: retry.limit, retryDelay: retry.delay, retryBackoff: true },
      ...this.o.registry.queues,
    ];
    const existing = new Set((await this.boss.getQueues()).map((q) => q.name));
    for (const d of defs) {
      if (!existing.has(deadQueue(d.name))) await this.boss.createQueue(deadQueue(d.name));
      const opts = {
        retryLimit: d.retryLimit,
        retryDelay: d.retryDelay,
        retryBackoff: d.retryBackoff,
        deadLetter: deadQueue(d.name),
        heartbeatSeconds: HEARTBEAT_SECONDS,
        expireInSeconds: 600,
      };
      if (existing.has(d.name)) await this.boss.updateQueue(d.name, opts);
      else await this.boss.createQueue(d.name, opts);
    }
  }

  /**
   * One relay step per shard: read events past the cursor below the commit horizon, enqueue them
   * in chunks and move the cursor, in one transaction. The cursor row's lock (taken by the upsert)
   * serializes relays across processes, so any number of workers may run one.
   */
  async relayOnce(): Promise<number> {
    let moved = 0;
    for (const { route, cursor: name } of this.sources()) {
      moved += await this.o.ctx.db.tx(route, async (ex) => {
        const cur = (await ex.query<{ txid: string; event_id: string }>(signalSql.readRelayCursor, [name])).rows[0];
        const { rows } = await ex.query(signalSql.relayBatch, [cur.txid, cur.event_id, this.o.relayBatchSize]);
        if (rows.length === 0) return 0;
        const jobs: { data: SignalsJob }[] = [];
        for (let i = 0; i < rows.length; i += this.o.chunkSize) {
          jobs.push({ data: { v: 1, events: rows.slice(i, i + this.o.chunkSize).map((r) => toJobEvent(eventRowFromRow(r))) } });
        }
        await this.boss.insert(SIGNALS_QUEUE, jobs, { db: bossDb(ex) });
        const last = rows[rows.length - 1];
        await ex.query(signalSql.advanceRelayCursor, [name, last.txid, last.id]);
        return rows.length;
      });
    }
    return moved;
  }

  /** Runs the handlers on a batch of signals jobs; a poison event goes to the dead queue alone. */
  async processSignals(jobs: Pick<Job<SignalsJob>, 'id' | 'data'>[]): Promise<number> {
    const events: LoggedEvent[] = [];
    const poison: { job: JobEvent; error: string }[] = [];
    // The relay is at-least-once (handlers are idempotent through their claims); a batch must
    // still hand each event to a handler once, since one claim covers the whole batch.
    const seen = new Set<string>();
    for (const job of jobs) {
      for (const j of job.data?.events ?? []) {
        if (seen.has(j.id)) continue;
        seen.add(j.id);
        try {
          events.push(fromJobEvent(j));
        } catch (err) {
          poison.push({ job: j, error: (err as Error).message });
        }
      }
    }
    for (const p of poison) {
      this.o.ctx.log(`worker: event ${p.job.id} (${p.job.type} v${p.job.version}) cannot be read, dead-lettered: ${p.error}`);
      await this.boss.send(deadQueue(SIGNALS_QUEUE), { v: 1, events: [p.job], error: p.error }, { singletonKey: `poison:${p.job.id}` });
    }
    await this.o.registry.dispatch(events, this.ctx);
    return events.length;
  }

  async start(): Promise<void> {
    this.running = true;
    // burst: fetch again at once after a full batch instead of waiting out the polling interval
    const work = { batchSize: this.o.consumerBatchSize, pollingIntervalSeconds: 0.5, localConcurrency: this.o.concurrency, burstWhenBatchFull: true };
    await this.boss.work<SignalsJob>(SIGNALS_QUEUE, work, async (jobs) => {
      await this.processSignals(jobs);
    });
    for (const q of this.o.registry.queues) {
      await this.boss.work<object>(q.name, { batchSize: q.batchSize, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true }, async (jobs) => {
        await q.handle(jobs, this.ctx);
      });
    }
    this.relayLoop = this.runRelay();
  }

  /** false while relay steps fail (the database is away); the worker's /healthz answers 503 then */
  get relaying(): boolean {
    return this.relayFailures === 0;
  }

  private relayFailures = 0;

  private async runRelay(): Promise<void> {
    let lastLog = 0;
    while (this.running) {
      let moved = 0;
      try {
        moved = await this.relayOnce();
        if (this.relayFailures > 0) this.o.ctx.log(`worker: relay resumed after ${this.relayFailures} failed steps`);
        this.relayFailures = 0;
      } catch (err) {
        this.relayFailures++;
        // one line per 10 s at most: an outage must not flood the log
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          this.o.ctx.log(`worker: relay step failed, retrying: ${(err as Error).message}`);
        }
        moved = 0;
      }
      if (moved < this.o.relayBatchSize && this.running) {
        // after a failure, back off (50 ms doubling to 2 s); under a trickle, wait to fill chunks
        // rather than enqueue many tiny jobs
        const idle = this.relayFailures > 0 ? Math.min(50 * 2 ** (this.relayFailures - 1), 2000) : moved >= this.o.chunkSize ? 5 : this.o.relayIdleMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idle);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /**
   * Are there events past the relay cursor, relayable or still behind the commit horizon (a
   * transaction elsewhere in the cluster still runs)? What a lag probe, or a caller waiting for
   * the relay to catch up, asks.
   */
  async hasUnrelayedEvents(): Promise<boolean> {
    for (const { route, cursor } of this.sources()) {
      const { rows } = await this.o.ctx.db.exec({ ...route, mode: 'write' }, signalSql.eventsPastCursor, [cursor]);
      if (rows[0]?.waiting) return true;
    }
    return false;
  }

  private sources(): { route: Omit<Route, 'mode'>; cursor: string }[] {
    return this.o.sources ?? this.o.ctx.db.shards().map((shard) => ({ route: { area: 'content' as const, shard }, cursor: `signals:${shard}` }));
  }

  /** Graceful: stop relaying, let in-flight batches finish (or release them at the timeout). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.relayLoop;
    await this.boss.stop({ graceful: true, close: true, timeout: timeoutMs });
  }
}

export type { QueueDefinition };
