import type { AuthDeps } from '@parley/access';
import { ForumCache, type Config, type Database } from '@parley/data';
import { ReadModel } from '@parley/read';

/** What commands and queries need; built once per app. */
export interface Services extends AuthDeps {
  config: Config;
  db: Database;
  forums: ForumCache;
  /** the read model: listings, pages as bytes, and which forum a thread is in */
  read: ReadModel;
}

export const makeServices = (config: Config, db: Database): Services => ({
  config,
  db,
  forums: new ForumCache(db),
  read: new ReadModel({ db, pages: { defaultSize: config.pageSizeDefault, maxSize: config.pageSizeMax } }),
  adminToken: config.adminToken,
});
