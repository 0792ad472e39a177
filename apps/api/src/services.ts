import type { AuthDeps } from '@parley/access';
import { ContentLocator, ForumCache, type ByteCache, type Config, type Database } from '@parley/data';
import { pageCacheOptions, ReadModel } from '@parley/read';

/** What commands and queries need; built once per app. */
export interface Services extends AuthDeps {
  config: Config;
  db: Database;
  forums: ForumCache;
  /** the read model: listings, pages as bytes, and where a thread or post lives (read.locator) */
  read: ReadModel;
}

export const makeServices = (config: Config, db: Database, cache: ByteCache): Services => {
  const forums = new ForumCache(db);
  return {
    config,
    db,
    forums,
    read: new ReadModel({
      db,
      locator: new ContentLocator(db, forums, { moveWaitMs: config.moveWaitMs }),
      pages: { defaultSize: config.pageSizeDefault, maxSize: config.pageSizeMax },
      cache,
      pageCache: pageCacheOptions(config),
    }),
    adminToken: config.adminToken,
  };
};
