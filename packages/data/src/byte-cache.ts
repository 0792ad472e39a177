// The cache tier's seam (docs/adr/0010): values are bytes, keys are strings, and every method is
// asynchronous, so an in-process LRU (the embedded default) and a memcached pool
// (MEMCACHED_SERVERS) stand behind the same interface. A cache may lose anything at any time; no
// method throws for a cache that is away: a read misses, a write is dropped.
import { MemoryCache } from './cache.ts';
import type { Config } from './config.ts';
import { MemcachedPool } from './memcached.ts';

export interface ByteCache {
  /** what serves, for logs and health: `memory` or `memcached (3 servers)` */
  readonly kind: string;
  get(key: string): Promise<Buffer | undefined>;
  /**
   * `get` answered at once, by a cache that holds its entries in this process (the in-process
   * LRU); a cache over the network has no `peek`. The page cache serves its hits through it.
   */
  peek?(key: string): Buffer | undefined;
  /** many keys at once (the seed's get_many): what was found, by key */
  getMany(keys: readonly string[]): Promise<Map<string, Buffer>>;
  set(key: string, value: Buffer, ttlSeconds: number): Promise<void>;
  /**
   * Stores only if the key holds nothing (memcached `add`): the lease of a recomputation. True
   * when this caller stored it, and when the key's server is gone (nobody to share it with);
   * false when someone holds it, or the server is slow but not given up on. A value unique to the
   * caller lets a late answer be told apart: the pool reads the key back after a timeout.
   */
  add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface MemoryByteCacheOptions {
  /** bytes held at most, keys and values (default 64 MiB); the least recently used entries go first */
  maxBytes?: number;
  /** for tests: the clock TTLs are read against */
  now?: () => number;
}

/** The in-process implementation: an LRU bounded by bytes, a TTL per entry; `add` is atomic in one process. */
export class MemoryByteCache implements ByteCache {
  readonly kind = 'memory';
  private readonly entries: MemoryCache<Buffer>;
  private readonly maxBytes: number;
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(opts: MemoryByteCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.entries = new MemoryCache<Buffer>({ maxEntries: Number.MAX_SAFE_INTEGER, now: opts.now });
  }

  /** bytes held now */
  get size(): number {
    return this.bytes;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.peek(key);
  }

  peek(key: string): Buffer | undefined {
    const v = this.entries.peek(key);
    if (v === undefined) {
      this.forget(key);
      return undefined;
    }
    // least recently used goes first: a read moves the key to the back of the eviction order
    const size = this.sizes.get(key);
    if (size !== undefined) {
      this.sizes.delete(key);
      this.sizes.set(key, size);
    }
    return v;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const k of keys) {
      const v = await this.get(k);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    const size = key.length + value.length;
    if (size > this.maxBytes) return;
    this.forget(key);
    while (this.bytes + size > this.maxBytes && this.sizes.size) {
      const oldest = this.sizes.keys().next().value!;
      await this.entries.delete(oldest);
      this.forget(oldest);
    }
    await this.entries.set(key, value, ttlSeconds * 1000);
    this.sizes.set(key, size);
    this.bytes += size;
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }

  async delete(key: string): Promise<void> {
    await this.entries.delete(key);
    this.forget(key);
  }

  async close(): Promise<void> {}

  private forget(key: string): void {
    const size = this.sizes.get(key);
    if (size === undefined) return;
    this.sizes.delete(key);
    this.bytes -= size;
  }
}

/** The process's cache, by the config: the memcached pool when MEMCACHED_SERVERS is set, else in-process. */
export function openCache(config: Pick<Config, 'memcachedServers' | 'memcachedTimeoutMs' | 'memcachedRetryMs' | 'cacheMemoryMb'>, log?: (line: string) => void): ByteCache {
  if (!config.memcachedServers) return new MemoryByteCache({ maxBytes: config.cacheMemoryMb * 1024 * 1024 });
  return new MemcachedPool(config.memcachedServers.split(','), { timeoutMs: config.memcachedTimeoutMs, retryMs: config.memcachedRetryMs, log });
}
