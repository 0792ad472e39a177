// The one cache seam. A process keeps small, hot facts (forums, which forum a thread is in) behind
// this interface; the cache tier will put memcached behind the same one, so every method may be
// asynchronous. Keys are strings; a value read back is what was set, or nothing.

export interface Cache<V> {
  get(key: string): Promise<V | undefined>;
  /** `ttlMs` overrides the cache's default; a cache may drop any entry earlier (its bound) */
  set(key: string, value: V, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface MemoryCacheOptions {
  /** entries kept at most; the oldest set goes first (default 10,000) */
  maxEntries?: number;
  /** how long an entry lives unless `set` says otherwise; unset: until evicted */
  ttlMs?: number;
  /** for tests: the clock TTLs are read against */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  until: number;
}

/** The in-process implementation: a Map in insertion order, bounded, with a TTL per entry. */
export class MemoryCache<V> implements Cache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number | undefined;
  private readonly now: () => number;

  constructor(opts: MemoryCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.ttlMs = opts.ttlMs;
    this.now = opts.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, not ${this.maxEntries}`);
  }

  /** entries held now (at most maxEntries; expired ones count until read or evicted) */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<V | undefined> {
    return this.peek(key);
  }

  /** `get` without the promise: an in-process cache can answer at once */
  peek(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  async set(key: string, value: V, ttlMs = this.ttlMs): Promise<void> {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: ttlMs === undefined ? Infinity : this.now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
