// Per-object entries in the cache tier (the seed's object-per-row cache): one entry per row,
// fetched many at once with get_many, the misses read in one query by the set of ids and put back.
// Used where a read joins in code: the authors' profiles of a page, and the counts of a listing.
// Entries live for the staleness bound: what they hold (a username, a counter) may lag that long.
import type { ByteCache } from '@parley/data';

/** Bump when an entry's shape changes. */
export const OBJECT_FORMAT = 1;

export class ObjectCache<V> {
  private readonly cache: ByteCache;
  private readonly kind: string;
  private readonly ttlSeconds: number;

  /**
   * `kind` names the rows (`profile`, `count`); entries live `ttlMs`, at least a second (memcached's
   * unit). A `ttlMs` of 0 caches nothing: every call loads.
   */
  constructor(cache: ByteCache, kind: string, ttlMs: number) {
    this.cache = cache;
    this.kind = kind;
    this.ttlSeconds = ttlMs === 0 ? 0 : Math.max(1, Math.ceil(ttlMs / 1000));
  }

  key(id: string): string {
    return `parley:${this.kind}:v${OBJECT_FORMAT}:${id}`;
  }

  /**
   * The values of `ids`: from the cache (one get_many), the rest from `load` in one call, which
   * are then cached. An id `load` does not return is absent from the answer (and not cached).
   */
  async many(ids: readonly string[], load: (missing: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
    const out = new Map<string, V>();
    if (ids.length === 0) return out;
    const unique = [...new Set(ids)];
    if (this.ttlSeconds === 0) return load(unique);
    const held = await this.cache.getMany(unique.map((id) => this.key(id)));
    const missing: string[] = [];
    for (const id of unique) {
      const raw = held.get(this.key(id));
      const value = raw ? parse<V>(raw) : undefined;
      if (value === undefined) missing.push(id);
      else out.set(id, value);
    }
    if (missing.length) {
      const loaded = await load(missing);
      await Promise.all([...loaded].map(([id, v]) => this.cache.set(this.key(id), Buffer.from(JSON.stringify(v)), this.ttlSeconds)));
      for (const [id, v] of loaded) out.set(id, v);
    }
    return out;
  }
}

function parse<V>(raw: Buffer): V | undefined {
  try {
    return JSON.parse(raw.toString('utf8')) as V;
  } catch {
    return undefined;
  }
}
