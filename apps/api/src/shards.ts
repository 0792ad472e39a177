// Which content shard holds an id. Ids carry their shard in the bits above 2^48: each shard's
// sequences start at shard * 2^48, so a thread or post id routes without a lookup. The
// one-machine default has shard 0 only.
import type { Database } from '@parley/data';
import { ParleyError, type ErrorCode } from '@parley/domain';

export const SHARD_SHIFT = 48n;

export const shardOfId = (id: string): number => Number(BigInt(id) >> SHARD_SHIFT);

/** The content route for an id; an id on a shard that doesn't exist names nothing that exists. */
export function contentRoute(db: Database, id: string, missing: ErrorCode): { area: 'content'; shard: number } {
  const shard = shardOfId(id);
  if (!db.hasShard(shard)) throw new ParleyError(missing, { details: { id } });
  return { area: 'content', shard };
}
