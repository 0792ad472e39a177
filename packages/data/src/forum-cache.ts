// Forums change rarely and are read on nearly every request, so each process keeps them for a
// few seconds. A PATCH in this process refreshes its copy at once; other processes see the
// change within `ttlMs`.
import type { Database } from './db.ts';
import { forumFromRow } from './sql/rows.ts';
import * as forumSql from './sql/forums.ts';
import type { Forum } from '@parley/domain';

interface Entry {
  forum: Forum;
  until: number;
}

export class ForumCache {
  private readonly byKey = new Map<string, Entry>();
  private readonly db: Database;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(db: Database, opts: { ttlMs?: number; maxEntries?: number } = {}) {
    this.db = db;
    this.ttlMs = opts.ttlMs ?? 5000;
    this.maxEntries = opts.maxEntries ?? 10000;
  }

  /** entries held now (at most maxEntries) */
  get size(): number {
    return this.byKey.size;
  }

  byId(id: string): Promise<Forum | undefined> {
    return this.get(`id:${id}`, forumSql.selectForumById, [id]);
  }

  /** `fresh` reads through the cache (the public forum view shows live counters). */
  bySlug(slug: string, opts: { fresh?: boolean } = {}): Promise<Forum | undefined> {
    if (opts.fresh) this.byKey.delete(`slug:${slug}`);
    return this.get(`slug:${slug}`, forumSql.selectForumBySlug, [slug]);
  }

  byModeratorKeyHash(hash: Buffer): Promise<Forum | undefined> {
    return this.get(`key:${hash.toString('base64')}`, forumSql.selectForumByKey, [hash]);
  }

  /** After a change made here: drop every cached copy of that forum. */
  forget(forum: Forum): void {
    for (const [k, e] of this.byKey) if (e.forum.id === forum.id) this.byKey.delete(k);
  }

  private async get(key: string, sql: string, values: unknown[]): Promise<Forum | undefined> {
    const hit = this.byKey.get(key);
    if (hit && hit.until > Date.now()) return hit.forum;
    const { rows } = await this.db.exec({ area: 'forums', mode: 'read' }, sql, values);
    if (rows.length === 0) {
      this.byKey.delete(key);
      return undefined;
    }
    const forum = forumFromRow(rows[0]);
    if (this.byKey.size >= this.maxEntries) this.byKey.delete(this.byKey.keys().next().value!);
    this.byKey.set(key, { forum, until: Date.now() + this.ttlMs });
    return forum;
  }
}
