// The idle timeout: a connection without subscriptions for `idleMs` is closed (4000), so sockets
// opened and forgotten don't pile up on a node.
import type { Clock } from './clock.ts';

export interface Idler {
  readonly dead: boolean;
  readonly subs: ReadonlyMap<string, unknown> | undefined;
  /** moderation queue subscriptions count as subscriptions */
  readonly queues?: ReadonlyMap<string, unknown> | undefined;
  /** clock time since when it has had no subscriptions */
  readonly idleSince: number;
  closeIdle(): void;
}

/** Checks the connections a few times per timeout (every quarter, between 250 ms and 5 s); returns stop. */
export function idleTimeout(idleMs: number, clock: Clock, connections: () => Iterable<Idler>): () => void {
  return clock.every(Math.max(250, Math.min(5000, idleMs / 4)), () => {
    const now = clock.now();
    for (const c of connections()) {
      if (c.dead || (c.subs !== undefined && c.subs.size > 0) || (c.queues !== undefined && c.queues.size > 0) || now - c.idleSince < idleMs) continue;
      c.closeIdle();
    }
  });
}
