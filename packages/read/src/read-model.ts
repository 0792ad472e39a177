// The read side as one object, built from what it needs and nothing of an app: a Database, the
// page sizes, and the content locator (which shard holds a thread now, and its forum). The API
// serves from it; a worker can render the same pages from it.
import type { ByteCache, CommitPosition, ContentLocator, Database } from '@parley/data';
import { sorts, type EventPage, type Forum, type PostPage, type Thread, type Viewer } from '@parley/domain';
import { listEvents, type EventPageQuery } from './events.ts';
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

const currentLsn = { name: 'parley_current_lsn', text: 'SELECT pg_current_wal_lsn()::text AS lsn' };

export class ReadModel {
  readonly db: Database;
  readonly pages: PageSizes;
  /** which forum a thread or post is in (remembered), and which shard holds it now */
  readonly locator: ContentLocator;

  /** the public's thread pages, as bytes (docs/adr/0010) */
  readonly pageCache: PageCache;

  constructor(deps: ReadModelDeps) {
    this.db = deps.db;
    this.pages = deps.pages;
    this.locator = deps.locator;
    this.pageCache = new PageCache(deps.cache, deps.pageCache);
  }

  /** The public's page from the cache tier (or rendered, and kept there), with its ETag. */
  async cachedPostPage(threadId: string, q: PostPageQuery): Promise<{ page: CachedPage; source: PageSource }> {
    const key = pageKey({ threadId, ...checkPageQuery(this.pages, q) });
    const alias = this.db.alias({ ...(await this.locator.threadRoute(threadId)), mode: 'write' });
    return this.pageCache.get(key, alias, () => this.publicPageFromPrimary(threadId, q));
  }

  /**
   * Fill on change: renders the thread's cached first pages (each sort, the default size) again
   * and overwrites them; pages nobody has asked for are left alone. Returns how many it rendered.
   */
  async refillThread(threadId: string): Promise<number> {
    const keys = sorts.map((sort) => ({ sort, key: pageKey({ threadId, sort, limit: this.pages.defaultSize }) }));
    const held = await this.pageCache.cache.getMany(keys.map((k) => k.key));
    const stale = keys.filter((k) => held.has(k.key));
    await Promise.all(stale.map((k) => this.pageCache.fill(k.key, () => this.publicPageFromPrimary(threadId, { sort: k.sort }))));
    return stale.length;
  }

  /**
   * The public's page for the cache: from the primary, with its WAL position read just before,
   * so the page holds every write committed before that position (a reader's Parley-Lsn is
   * compared with it). Fills are one per change per page, so they cost the primary little.
   */
  private async publicPageFromPrimary(threadId: string, q: PostPageQuery): Promise<{ body: string; position: CommitPosition }> {
    // the shard map from the forum cache: a page rendered from a moved forum's old copy carries
    // the old primary's position, which a reader who wrote on the new one does not accept
    const route = await this.locator.threadRoute(threadId);
    const alias = this.db.alias({ ...route, mode: 'write' });
    const { rows } = await this.db.exec({ ...route, mode: 'write' }, currentLsn);
    const page = await listPosts(this.db, this.locator, this.pages, threadId, q, { moderator: false }, { fresh: true });
    return { body: renderPostPage(page), position: { alias, lsn: rows[0].lsn as string } };
  }

  postPage(threadId: string, q: PostPageQuery, viewer: Viewer): Promise<PostPage> {
    return listPosts(this.db, this.locator, this.pages, threadId, q, viewer);
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

  counts(forum: Forum, identifiers: string[]): Promise<Record<string, number>> {
    return threadCounts(this.db, forum, identifiers);
  }
}
