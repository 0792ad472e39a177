// The cache-refill handler (docs/adr/0010): fill on change, never delete. For each thread whose
// public page a batch of events changed (posts created, edited, moderated, voted on), the thread's
// cached first pages are rendered again by the same read model the API serves from, and
// overwrite the old ones. Pages nobody had cached are left alone. A refill renders the state of
// now, so running it twice (a retried batch) does no harm: it needs no claim.
import { postEventTypes, type EventType } from '@parley/domain';
import type { ReadModel } from '@parley/read';
import type { SignalHandler } from '../signals/registry.ts';

export const refillEventTypes: readonly EventType[] = Object.freeze([...postEventTypes, 'VoteCast']);

/** threads refilled at once, per batch */
const CONCURRENCY = 4;

export function cacheRefill(read: ReadModel): SignalHandler {
  return {
    name: 'cache-refill',
    types: refillEventTypes,
    async handle(events, ctx) {
      const threads = [...new Set(events.flatMap((e) => (e.threadId ? [e.threadId] : [])))];
      let next = 0;
      let pages = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, threads.length) }, async () => {
          while (next < threads.length) pages += await read.refillThread(threads[next++]);
        }),
      );
      if (pages > 0 && ctx.config.logLevel === 'debug') ctx.log(`worker: refilled ${pages} cached pages of ${threads.length} threads`);
    },
  };
}
