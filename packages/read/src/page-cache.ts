// Thread pages in the cache tier (docs/adr/0010): the exact bytes the API sends for the public,
// with their ETag, the time they were rendered, and the primary's WAL position read just before
// they were. Keys carry the page format, so a deploy that changes the bytes never serves old ones.
//
// - A page younger than the staleness bound is served as is.
// - An older one is rendered again by exactly one process, which holds a lease taken with the
//   cache's `add`; the others serve the old copy meanwhile. With no copy at all they wait briefly
//   for the holder, then render it themselves. In one process, concurrent renders of a key are one.
// - Read-your-writes: a reader who brings a position (Parley-Lsn) is served a copy only if it was
//   rendered at or past that position on the same primary; else the page is rendered for it, from
//   the primary, and replaces the copy.
// - The worker's refill renders the first pages of a changed thread again and overwrites them
//   (fill on change, never delete), so hot readers never miss.
import { createHash, randomBytes } from 'node:crypto';
import { parseLsn, readYourWrites, type ByteCache, type CommitPosition, type Config } from '@parley/data';
import type { Sort } from '@parley/domain';

/** Bump when the bytes of a page change shape: old entries are then never read. */
export const PAGE_FORMAT = 1;

export interface CachedPage {
  body: Buffer;
  /** a strong validator: the body's digest, quoted */
  etag: string;
  /** ms since the epoch */
  renderedAt: number;
  /** the primary's WAL position read before the page was: it holds every write committed before */
  position: CommitPosition;
}

export interface PageKey {
  threadId: string;
  sort: Sort;
  limit: number;
  cursor?: string;
}

export interface PageCacheOptions {
  /** a copy older than this is rendered again before it is served fresh (PARLEY_CACHE_STALE_MS) */
  staleMs: number;
  /** the lease of one recomputation (PARLEY_CACHE_LEASE_MS) */
  leaseMs: number;
  /** with no copy, how long a reader waits for the lease holder (PARLEY_CACHE_WAIT_MS) */
  waitMs: number;
  /** how long the cache keeps a page nobody refreshes (default a day) */
  ttlSeconds?: number;
  /** for tests */
  now?: () => number;
}

/** How a page was served: for tests, logs and the benchmark. */
export type PageSource = 'hit' | 'stale' | 'filled' | 'waited';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function pageKey(k: PageKey): string {
  // memcached keys: at most 250 bytes, no spaces or control characters; a cursor is base64url
  const cursor = k.cursor ? createHash('sha1').update(k.cursor).digest('base64url') : '';
  return `parley:page:v${PAGE_FORMAT}:${k.threadId}:${k.sort}:${k.limit}:${cursor}`;
}

export function encodePage(p: CachedPage): Buffer {
  const head = Buffer.from(JSON.stringify({ etag: p.etag, at: p.renderedAt, alias: p.position.alias, lsn: p.position.lsn }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  return Buffer.concat([len, head, p.body]);
}

export function decodePage(raw: Buffer | undefined): CachedPage | undefined {
  if (!raw || raw.length < 4) return undefined;
  try {
    const n = raw.readUInt32BE(0);
    const head = JSON.parse(raw.subarray(4, 4 + n).toString('utf8')) as { etag: string; at: number; alias: string; lsn: string };
    return { etag: head.etag, renderedAt: head.at, position: { alias: head.alias, lsn: head.lsn }, body: raw.subarray(4 + n) };
  } catch {
    return undefined; // not ours, or damaged: a miss
  }
}

export const etagOf = (body: Buffer): string => `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;

/**
 * Does a copy hold everything the reader must see (its Parley-Lsn on that primary)? `alias` may be
 * left out only when the reader brings no position.
 */
function holds(page: CachedPage, alias: string | undefined): boolean {
  const after = readYourWrites.getStore()?.after;
  if (!after || after.alias !== alias) return true;
  return page.position.alias === alias && parseLsn(page.position.lsn) >= parseLsn(after.lsn);
}

export type RenderPage = () => Promise<{ body: string; position: CommitPosition }>;

export class PageCache {
  readonly cache: ByteCache;
  private readonly o: Required<Omit<PageCacheOptions, 'now'>> & { now: () => number };
  private readonly rendering = new Map<string, Promise<CachedPage>>();
  /**
   * Pages decoded from the bytes the cache handed back, by those bytes: the in-process cache hands
   * back the very Buffer it stores, so a hot page is decoded once, not per request. The memcached
   * pool hands the gets of one turn one Buffer (it coalesces them), so there a page is decoded
   * once per turn; nothing here outlives its bytes.
   */
  private readonly decoded = new WeakMap<Buffer, CachedPage>();

  constructor(cache: ByteCache, opts: PageCacheOptions) {
    this.cache = cache;
    this.o = { ttlSeconds: 86_400, now: Date.now, ...opts };
  }

  /**
   * The page for `key` (a pageKey), rendered by `render` when the cache cannot serve it. `alias`
   * names the primary of the thread's shard (a reader's position on another primary is ignored);
   * it is needed only when the reader brings a position. `known`: the copy a `lookup` of the key
   * just found (or its absence), instead of reading the cache again.
   */
  async get(key: string, alias: string | undefined, render: RenderPage, known?: { copy: CachedPage | undefined }): Promise<{ page: CachedPage; source: PageSource }> {
    const copy = known ? known.copy : await this.lookup(key);
    const usable = copy && holds(copy, alias) ? copy : undefined;
    if (this.fresh(usable)) return { page: usable!, source: 'hit' };
    if (copy && !usable) return { page: await this.fill(key, render, alias), source: 'filled' };
    // the lease holds a value of this attempt's own, so a pool that timed out can read back whose it is
    if (await this.cache.add(`${key}:lease`, randomBytes(8), Math.max(1, Math.ceil(this.o.leaseMs / 1000)))) {
      try {
        // the holder before us may have just stored a fresh copy and let the lease go
        const now = this.read(await this.cache.get(key));
        if (now && holds(now, alias) && this.fresh(now)) return { page: now, source: 'hit' };
        return { page: await this.fill(key, render, alias), source: 'filled' };
      } finally {
        await this.cache.delete(`${key}:lease`);
      }
    }
    // someone else renders it: serve the old copy, or wait for theirs a moment
    if (usable) return { page: usable, source: 'stale' };
    const until = this.o.now() + this.o.waitMs;
    for (let delay = 5; this.o.now() < until; delay = Math.min(50, delay * 2)) {
      await sleep(delay);
      const theirs = this.read(await this.cache.get(key));
      if (theirs && holds(theirs, alias)) return { page: theirs, source: 'waited' };
    }
    return { page: await this.fill(key, render, alias), source: 'filled' };
  }

  /**
   * The copy of `key` the cache holds, whatever its age, or nothing: what `get` reads first. The
   * API's page front asks this, serves it if `fresh`, and otherwise hands it to `get` (`known`)
   * so that the cache is not asked twice. Answered at once when the cache can (`peek`, the
   * in-process cache), else a promise.
   */
  lookup(key: string): CachedPage | undefined | Promise<CachedPage | undefined> {
    if (this.cache.peek) return this.read(this.cache.peek(key));
    return this.cache.get(key).then((raw) => this.read(raw));
  }

  /** The copy, if it is within the staleness bound: what `get` serves as a hit to a reader who brings no position. */
  fresh(copy: CachedPage | undefined): CachedPage | undefined {
    return copy && this.o.now() - copy.renderedAt <= this.o.staleMs ? copy : undefined;
  }

  /**
   * Renders the page and stores it (the refill, and every miss): one render per key at a time in
   * this process. A reader who joined a render begun before its own write committed (`alias`
   * given, the page does not hold its position) gets a render of its own.
   */
  async fill(key: string, render: RenderPage, alias?: string): Promise<CachedPage> {
    const joined = this.rendering.get(key);
    if (joined) {
      const page = await joined;
      if (alias === undefined || holds(page, alias)) return page;
    }
    let pending = this.rendering.get(key);
    if (!pending) {
      pending = (async () => {
        try {
          const renderedAt = this.o.now();
          const { body, position } = await render();
          const bytes = Buffer.from(body);
          const page: CachedPage = { body: bytes, etag: etagOf(bytes), renderedAt, position };
          const raw = encodePage(page);
          await this.cache.set(key, raw, this.o.ttlSeconds);
          this.decoded.set(raw, page);
          return page;
        } finally {
          this.rendering.delete(key);
        }
      })();
      this.rendering.set(key, pending);
    }
    return pending;
  }

  /** decodePage, once per Buffer the cache hands back */
  private read(raw: Buffer | undefined): CachedPage | undefined {
    if (!raw) return undefined;
    let page = this.decoded.get(raw);
    if (!page) {
      page = decodePage(raw);
      if (page) this.decoded.set(raw, page);
    }
    return page;
  }
}

/** The page cache's options from the config. */
export const pageCacheOptions = (config: Pick<Config, 'cacheStaleMs' | 'cacheLeaseMs' | 'cacheWaitMs'>): PageCacheOptions => ({
  staleMs: config.cacheStaleMs,
  leaseMs: config.cacheLeaseMs,
  waitMs: config.cacheWaitMs,
});
