import type { AuthDeps } from '@parley/access';
import { ContentLocator, ForumCache, type Config, type Database } from '@parley/data';
import { ReadModel } from '@parley/read';

/** What commands and queries need; built once per app. */
export interface Services extends AuthDeps {
  config: Config;
  db: Database;
  forums: ForumCache;
  /** the read model: listings, pages as bytes, and where a thread or post lives (read.locator) */
  read: ReadModel;
}

export const makeServices = (config: Config, db: Database): Services => {
  const forums = new ForumCache(db);
  return {
    config,
    db,
    forums,
    read: new ReadModel({ db, locator: new ContentLocator(db, forums, { moveWaitMs: config.moveWaitMs }), pages: { defaultSize: config.pageSizeDefault, maxSize: config.pageSizeMax } }),
    adminToken: config.adminToken,
  };
};
