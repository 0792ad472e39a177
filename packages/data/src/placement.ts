// Where a new forum lives: the shard an admin pins it to, or else a stable choice by its slug.
// Rendezvous (highest-random-weight) hashing over the topology's shards: every process picks the
// same shard for the same slug, forums spread evenly, and adding a shard moves only the choice for
// slugs that now prefer it. Only new forums are placed: a forum's shard is stored with it
// (forums.shard, the shard map) and never recomputed, so no existing forum moves by this rule.
import { createHash } from 'node:crypto';

const weight = (slug: string, shard: number): bigint => createHash('sha256').update(`${shard}\u0000${slug}`).digest().readBigUInt64BE(0);

export function placeForum(slug: string, shards: readonly number[]): number {
  if (shards.length === 0) throw new Error('placeForum: the topology has no content shard');
  let best = shards[0];
  let bestWeight = -1n;
  for (const shard of shards) {
    const w = weight(slug, shard);
    if (w > bestWeight || (w === bestWeight && shard < best)) [best, bestWeight] = [shard, w];
  }
  return best;
}
