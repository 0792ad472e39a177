import { ForumCache, type Config, type Database } from '@parley/data';
import { ThreadDirectory } from './thread-directory.ts';
import type { AuthDeps } from './auth.ts';

/** What commands and queries need; built once per app. */
export interface Services extends AuthDeps {
  config: Config;
  db: Database;
  forums: ForumCache;
  threads: ThreadDirectory;
}

export const makeServices = (config: Config, db: Database): Services => ({
  config,
  db,
  forums: new ForumCache(db),
  threads: new ThreadDirectory(db),
  adminToken: config.adminToken,
});

/** Translates a Postgres error by its code and constraint, or rethrows it. */
export function pgCode(err: unknown): { code?: string; constraint?: string } {
  const e = err as { code?: string; constraint?: string };
  return { code: e?.code, constraint: e?.constraint };
}
