// Forums change rarely and are read on nearly every request, so each process keeps them for a
// few seconds. A PATCH in this process refreshes its copy at once; other processes see the
// change within `ttlMs`.
import type { Forum } from '@parley/domain';
import { MemoryCache, type Cache } from './cache.ts';
import type { Database } from './db.ts';
import { forumFromRow } from './sql/rows.ts';
import * as forumSql from './sql/forums.ts';

/**
 * What the cache holds: a forum under `id:` and `slug:`; under `key:` (a moderator key's hash)
 * only the forum's id, so that forgetting a forum needs no list of its keys.
 */
export type ForumCacheEntry = Forum | string;

export interface ForumCacheOptions {
  /** how long a forum is kept (default 5 s) */
  ttlMs?: number;
  /** entries kept at most, for the default in-process cache (default 10,000) */
  maxEntries?: number;
  /** where entries live; default: a MemoryCache of maxEntries */
  cache?: Cache<ForumCacheEntry>;
}

export class ForumCache {
  private readonly db: Database;
  private readonly ttlMs: number;
  private readonly cache: Cache<ForumCacheEntry>;

  constructor(db: Database, opts: ForumCacheOptions = {}) {
    this.db = db;
    this.ttlMs = opts.ttlMs ?? 5000;
    this.cache = opts.cache ?? new MemoryCache({ maxEntries: opts.maxEntries ?? 10_000 });
  }

  /** `fresh` reads the forums primary and refreshes the cache (after a forum move's fence refused a write). */
  async byId(id: string, opts: { fresh?: boolean } = {}): Promise<Forum | undefined> {
    const hit = opts.fresh ? undefined : await this.cache.get(`id:${id}`);
    if (typeof hit === 'object') return hit;
    return this.load(forumSql.selectForumById, [id], opts.fresh);
  }

  /** `fresh` reads through the cache (the public forum view shows live counters). */
  async bySlug(slug: string, opts: { fresh?: boolean } = {}): Promise<Forum | undefined> {
    const hit = opts.fresh ? undefined : await this.cache.get(`slug:${slug}`);
    if (typeof hit === 'object') return hit;
    return this.load(forumSql.selectForumBySlug, [slug]);
  }

  async byModeratorKeyHash(hash: Buffer): Promise<Forum | undefined> {
    const key = `key:${hash.toString('base64')}`;
    const id = await this.cache.get(key);
    if (typeof id === 'string') {
      const forum = await this.cache.get(`id:${id}`);
      if (typeof forum === 'object') return forum;
    }
    const forum = await this.load(forumSql.selectForumByKey, [hash]);
    if (forum) await this.cache.set(key, forum.id, this.ttlMs);
    return forum;
  }

  /** After a key rotation made here: the old key's entry goes, so it cannot lead to the forum again (even once the forum is cached anew). */
  async forgetModeratorKey(hash: Buffer): Promise<void> {
    await this.cache.delete(`key:${hash.toString('base64')}`);
  }

  /** After a change made here: drop every cached copy of that forum. */
  async forget(forum: Forum): Promise<void> {
    await Promise.all([this.cache.delete(`id:${forum.id}`), this.cache.delete(`slug:${forum.slug}`)]);
  }

  /** how long another process may route by a forum's old shard after a move switched it */
  get ttl(): number {
    return this.ttlMs;
  }

  private async load(sql: string, values: unknown[], fresh = false): Promise<Forum | undefined> {
    const { rows } = await this.db.exec({ area: 'forums', mode: 'read', fresh }, sql, values);
    if (rows.length === 0) return undefined;
    const forum = forumFromRow(rows[0]);
    await Promise.all([this.cache.set(`id:${forum.id}`, forum, this.ttlMs), this.cache.set(`slug:${forum.slug}`, forum, this.ttlMs)]);
    return forum;
  }
}
