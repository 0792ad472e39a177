// Counters, batched per key: one UPDATE per counter table per batch adds each key's summed delta
// (`n = n + k`). Each area's updates run in one transaction with that area's claim on the events
// (applied_events), so a retried or duplicated batch counts nothing twice.
import { claimEvents, counterSql, type Area, type Executor, type LoggedEvent } from '@parley/data';
import { statusEventTypes } from '@parley/domain';
import type { SignalContext, SignalHandler } from '../signals/registry.ts';
import { postDelta, sumBy, type PostDelta } from './deltas.ts';

/** The name under which an area's counter updates claim their events (the rebuild claims the same). */
export const countersClaim = (area: Area): string => `counters:${area}`;
export const countersClaims: readonly string[] = (['content', 'forums', 'accounts'] as const).map(countersClaim);

async function apply(ex: Executor, area: Area, events: { e: LoggedEvent; d: PostDelta }[]): Promise<void> {
  const fresh = await claimEvents(ex, countersClaim(area), events.map((x) => x.e.id));
  const deltas = events.filter((x) => fresh.has(x.e.id)).map((x) => x.d);
  for (const c of counterSql.counterTables) {
    if (c.area !== area) continue;
    const sums = sumBy(deltas, (d) => counterSql.counterKey(c, d.post));
    if (sums.size) await ex.query(counterSql.addCounts(c), counterSql.counterValues(c, sums));
  }
}

export const countersHandler: SignalHandler = {
  name: 'counters',
  types: statusEventTypes,
  async handle(events: LoggedEvent[], ctx: SignalContext): Promise<void> {
    const all = events.flatMap((e) => {
      const d = postDelta(e);
      return d ? [{ e, d }] : [];
    });
    if (all.length === 0) return;
    const { db } = ctx;
    // content: threads and reply counts, on the shard that holds each forum now, read fresh (a
    // forum move recounts the forum on its new shard and claims its events there, docs/adr/0009)
    const byShard = await ctx.locator.byShard(all, (x) => x.d.post.forumId, { fresh: true });
    for (const [shard, xs] of byShard) await db.tx({ area: 'content', shard }, (ex) => apply(ex, 'content', xs));
    await db.tx({ area: 'forums' }, (ex) => apply(ex, 'forums', all));
    await db.tx({ area: 'accounts' }, (ex) => apply(ex, 'accounts', all));
  },
};
