// Which content shard holds an id. Ids carry their shard in the bits above 2^48: each shard's
// sequences start at shard * 2^48, so a thread or post id routes without a lookup. The
// one-machine default has shard 0 only.
export const SHARD_SHIFT = 48n;
export const shardOfId = (id: string): number => Number(BigInt(id) >> SHARD_SHIFT);
