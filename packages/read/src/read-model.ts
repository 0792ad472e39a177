// The read side as one object, built from what it needs and nothing of an app: a Database, the
// page sizes, and the content locator (which shard holds a thread now, and its forum). The API
// serves from it; a worker can render the same pages from it.
import { readYourWrites, type ByteCache, type CommitPosition, type ContentLocator, type Database } from '@parley/data';
import { createHash } from 'node:crypto';
import { sorts, type AuthorProfile, type EventPage, type Forum, type PostPage, type Thread, type Viewer } from '@parley/domain';
import { listEvents, type EventPageQuery } from './events.ts';
import { ObjectCache } from './object-cache.ts';
import { PageCache, pageKey, type CachedPage, type PageCacheOptions, type PageSource } from './page-cache.ts';
import { checkPageQuery, listPosts, type PageSizes, type PostPageQuery } from './posts.ts';
import { renderEventPage, renderPostPage } from './render.ts';
import { getThread, threadCounts } from './threads.ts';

export interface ReadModelDeps {
  db: Database;
  pages: PageSizes;
  locator: ContentLocator;
  /** the cache tier (openCache) and its page options; the public's thread pages are served from it */
  cache: ByteCache;
  pageCache: PageCacheOptions;
}


/** A copy of a page key the cache was just asked for (the API's page front), or its absence. */
export interface KnownCopy {
  key: string;
  copy: CachedPage | undefined;
}

export class ReadModel {
  readonly db: Database;
  readonly pages: PageSizes;
  /** which forum a thread or post is in (remembered), and which shard holds it now */
  readonly locator: ContentLocator;

  /** the public's thread pages, as bytes (docs/adr/0010) */
  readonly pageCache: PageCache;
  /** per-object entries: the registered authors' profiles, and the comment counts of threads */
  private readonly profiles: ObjectCache<AuthorProfile>;
  private readonly counted: ObjectCache<number>;

  constructor(deps: ReadModelDeps) {
    this.db = deps.db;
    this.pages = deps.pages;
    this.locator = deps.locator;
    this.pageCache = new PageCache(deps.cache, deps.pageCache);
    this.profiles = new ObjectCache<AuthorProfile>(deps.cache, 'profile', deps.pageCache.staleMs);
    this.counted = new ObjectCache<number>(deps.cache, 'count', deps.pageCache.staleMs);
  }

  /** The public's page from the cache tier (or rendered, and kept there), with its ETag. */
  async cachedPostPage(threadId: string, q: PostPageQuery, known?: KnownCopy): Promise<{ page: CachedPage; source: PageSource; key: string }> {
    const key = pageKey({ threadId, ...checkPageQuery(this.pages, q) });
    // the thread's primary matters only to a reader who brings a position (Parley-Lsn)
    const alias = readYourWrites.getStore()?.after ? this.db.alias({ ...(await this.locator.threadRoute(threadId)), mode: 'write' }) : undefined;
    const copy = known?.key === key ? known : undefined;
    return { ...(await this.pageCache.get(key, alias, () => this.publicPageForCache(threadId, q), copy)), key };
  }

  /**
   * Fill on change: renders the thread's cached first pages (each sort, the default size) again
   * and overwrites them; pages nobody has asked for are left alone. Returns how many it rendered.
   */
  async refillThread(threadId: string): Promise<number> {
    const keys = sorts.map((sort) => ({ sort, key: pageKey({ threadId, sort, limit: this.pages.defaultSize }) }));
    const held = await this.pageCache.cache.getMany(keys.map((k) => k.key));
    const stale = keys.filter((k) => held.has(k.key));
    await Promise.all(stale.map((k) => this.pageCache.fill(k.key, () => this.publicPageForCache(threadId, { sort: k.sort }))));
    return stale.length;
  }

  /**
   * The public's page for the cache, with the position it was read at: the node (a replica when
   * one is eligible) says where it is in the WAL first, then the page is read on the same
   * connection, so the page holds every write committed before that position. A reader's
   * Parley-Lsn is compared with it. The shard map comes from the forum cache: a page rendered
   * from a moved forum's old copy names the old primary, which a writer on the new one ignores.
   */
  private async publicPageForCache(threadId: string, q: PostPageQuery): Promise<{ body: string; position: CommitPosition }> {
    const route = await this.locator.threadRoute(threadId);
    const { result, position } = await this.db.positioned({ ...route, mode: 'read' }, (ex) =>
      listPosts(this.db, this.locator, this.pages, threadId, q, { moderator: false }, { on: ex, profiles: this.profiles }),
    );
    return { body: renderPostPage(result), position };
  }

  postPage(threadId: string, q: PostPageQuery, viewer: Viewer): Promise<PostPage> {
    return listPosts(this.db, this.locator, this.pages, threadId, q, viewer, { profiles: this.profiles });
  }

  /** the page as the bytes the API sends */
  async renderedPostPage(threadId: string, q: PostPageQuery, viewer: Viewer): Promise<string> {
    return renderPostPage(await this.postPage(threadId, q, viewer));
  }

  eventPage(threadId: string, q: EventPageQuery, viewer: Viewer): Promise<EventPage> {
    return listEvents(this.db, this.locator, threadId, q, viewer);
  }

  async renderedEventPage(threadId: string, q: EventPageQuery, viewer: Viewer): Promise<string> {
    return renderEventPage(await this.eventPage(threadId, q, viewer));
  }

  thread(threadId: string): Promise<Thread> {
    return getThread(this.db, this.locator, threadId);
  }

  /** Comment counts by identifier: a cached entry per thread (get_many), the rest in one query. */
  async counts(forum: Forum, identifiers: string[]): Promise<Record<string, number>> {
    // identifiers are the site's own strings: the keys hold their digests
    const idOf = new Map(identifiers.map((i) => [`${forum.id}:${createHash('sha1').update(i).digest('base64url')}`, i]));
    const found = await this.counted.many([...idOf.keys()], async (missing) => {
      const counts = await threadCounts(this.db, forum, missing.map((m) => idOf.get(m)!));
      return new Map(missing.map((m) => [m, counts[idOf.get(m)!] ?? 0]));
    });
    return Object.fromEntries([...idOf].map(([key, identifier]) => [identifier, found.get(key) ?? 0]));
  }
}
