// The delayed-signal registry, the seed's `delayed_save.connect(my_func, sender=Post)`: a handler
// connects to event types and receives batches of logged events (`LoggedEvent`, snapshots
// decoded). Every handler must be idempotent: the worker runs a batch again after a crash or a
// failure.
import type { PgBoss } from 'pg-boss';
import type { Config, ContentLocator, Database, LoggedEvent } from '@parley/data';
import type { EventType } from '@parley/domain';

export interface SignalContext {
  config: Config;
  db: Database;
  boss: PgBoss;
  /** which content shard holds a forum now (forum moves keep ids; docs/adr/0009) */
  locator: ContentLocator;
  log: (line: string) => void;
}

export interface SignalHandler {
  /** stable: recorded in applied_events */
  name: string;
  types: readonly EventType[] | '*';
  handle(events: LoggedEvent[], ctx: SignalContext): Promise<void>;
}

/**
 * A queue of follow-up work with its own retries (a webhook delivery, an email): signal
 * handlers enqueue into it, the worker runs `handle` on batches of its jobs.
 */
export interface QueueDefinition<T extends object = object> {
  name: string;
  batchSize: number;
  retryLimit: number;
  /** seconds before the first retry; doubled each time when retryBackoff */
  retryDelay: number;
  retryBackoff: boolean;
  /** every job is settled by `handle`: resolve = all done; throw = the whole batch is retried */
  handle(jobs: { id: string; data: T; retryCount: number }[], ctx: SignalContext): Promise<void>;
}

export class SignalRegistry {
  private readonly handlers: SignalHandler[] = [];
  readonly queues: QueueDefinition[] = [];

  connect(handler: SignalHandler): this {
    if (this.handlers.some((h) => h.name === handler.name)) throw new Error(`signal handler ${handler.name} is connected twice`);
    this.handlers.push(handler);
    return this;
  }

  queue<T extends object>(q: QueueDefinition<T>): this {
    this.queues.push(q as unknown as QueueDefinition);
    return this;
  }

  /** Runs every connected handler on the events it listens to, in connection order. */
  async dispatch(events: LoggedEvent[], ctx: SignalContext): Promise<void> {
    for (const h of this.handlers) {
      const mine = h.types === '*' ? events : events.filter((e) => (h.types as readonly string[]).includes(e.type));
      if (mine.length) await h.handle(mine, ctx);
    }
  }
}
