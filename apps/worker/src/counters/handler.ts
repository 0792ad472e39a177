// Counters, batched per key: one UPDATE per table per batch adds each key's summed delta
// (`n = n + k`). Each area's updates run in one transaction with that area's claim on the events
// (applied_events), so a retried or duplicated batch counts nothing twice.
import { claimEvents, shardOfId } from '@parley/data';
import type { Executor } from '@parley/data';
import type { SignalContext, SignalEvent, SignalHandler } from '../signals/registry.ts';
import { postDelta, sumBy, type PostDelta } from './deltas.ts';

const unnestUpdate = (table: string) => `UPDATE ${table} t SET post_count = t.post_count + d.approved, pending_count = t.pending_count + d.pending
  FROM unnest($1::bigint[], $2::int[], $3::int[]) AS d(id, approved, pending) WHERE t.id = d.id`;

const statements = {
  threads: unnestUpdate('threads'),
  forums: unnestUpdate('forums'),
  users: `UPDATE users t SET post_count = t.post_count + d.approved
    FROM unnest($1::bigint[], $2::int[]) AS d(id, approved) WHERE t.id = d.id`,
  replies: `UPDATE posts t SET reply_count = t.reply_count + d.approved
    FROM unnest($1::bigint[], $2::int[]) AS d(id, approved) WHERE t.id = d.id`,
};

async function apply(
  ex: Executor,
  handler: string,
  events: { e: SignalEvent; d: PostDelta }[],
  updates: { sql: string; key: (d: PostDelta) => string | null; pendingToo: boolean }[],
): Promise<void> {
  const fresh = await claimEvents(ex, handler, events.map((x) => x.e.id));
  const deltas = events.filter((x) => fresh.has(x.e.id)).map((x) => x.d);
  for (const u of updates) {
    const sums = sumBy(deltas, u.key);
    if (sums.size === 0) continue;
    const ids = [...sums.keys()];
    const values: unknown[] = [ids, ids.map((k) => sums.get(k)!.approved)];
    if (u.pendingToo) values.push(ids.map((k) => sums.get(k)!.pending));
    await ex.query(u.sql, values);
  }
}

export const countersHandler: SignalHandler = {
  name: 'counters',
  types: ['PostCreated', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored'],
  async handle(events: SignalEvent[], ctx: SignalContext): Promise<void> {
    const all = events.flatMap((e) => {
      const d = postDelta(e);
      return d ? [{ e, d }] : [];
    });
    if (all.length === 0) return;
    const { db } = ctx;
    // content: per shard, threads and reply counts
    const byShard = new Map<number, typeof all>();
    for (const x of all) {
      const shard = shardOfId(x.d.post.threadId);
      byShard.set(shard, [...(byShard.get(shard) ?? []), x]);
    }
    for (const [shard, xs] of byShard) {
      await db.tx({ area: 'content', shard }, (ex) =>
        apply(ex, 'counters:content', xs, [
          { sql: statements.threads, key: (d) => d.post.threadId, pendingToo: true },
          { sql: statements.replies, key: (d) => d.post.parentId, pendingToo: false },
        ]),
      );
    }
    await db.tx({ area: 'forums' }, (ex) => apply(ex, 'counters:forums', all, [{ sql: statements.forums, key: (d) => d.post.forumId, pendingToo: true }]));
    await db.tx({ area: 'accounts' }, (ex) => apply(ex, 'counters:accounts', all, [{ sql: statements.users, key: (d) => d.post.authorUserId, pendingToo: false }]));
  },
};
