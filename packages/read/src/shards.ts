// Routing an id to its content shard (ids carry their shard: see shardOfId in @parley/data).
import { shardOfId, type Database } from '@parley/data';
import { ParleyError, type ErrorCode } from '@parley/domain';

/** The content route for an id; an id on a shard that doesn't exist names nothing that exists. */
export function contentRoute(db: Database, id: string, missing: ErrorCode): { area: 'content'; shard: number } {
  const shard = shardOfId(id);
  if (!db.hasShard(shard)) throw new ParleyError(missing, { details: { id } });
  return { area: 'content', shard };
}
