// What a post event does to the counters, from its snapshot alone: a created post counts in its
// status; a status change (whose snapshot carries the status it replaced) moves the post from
// one count to another. Edits and votes count nothing.
import { counterWeight, isStatusEvent, postOf, type CounterWeight, type PostRecord } from '@parley/domain';
import type { LoggedEvent } from '@parley/data';

/** A post and the change it makes to each counter weight (published, pending). */
export interface PostDelta extends CounterWeight {
  post: PostRecord;
}

export function postDelta(e: LoggedEvent): PostDelta | undefined {
  if (!isStatusEvent(e.event.type)) return undefined;
  const post = postOf(e.event)!;
  const now = counterWeight(post.status);
  // a created post came from nothing; a status change from the status its snapshot replaced
  const before = counterWeight(e.event.type === 'PostCreated' ? null : post.prevStatus);
  return { post, published: now.published - before.published, pending: now.pending - before.pending };
}

/** Sums deltas per key; keys with nothing left to add are dropped. */
export function sumBy(deltas: PostDelta[], key: (d: PostDelta) => string | null): Map<string, CounterWeight> {
  const out = new Map<string, CounterWeight>();
  for (const d of deltas) {
    const k = key(d);
    if (k === null) continue;
    const acc = out.get(k) ?? { published: 0, pending: 0 };
    acc.published += d.published;
    acc.pending += d.pending;
    out.set(k, acc);
  }
  for (const [k, v] of out) if (v.published === 0 && v.pending === 0) out.delete(k);
  return out;
}
