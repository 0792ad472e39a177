// The forum's shared moderator key is for integrations; its owners want to know whether one still
// uses it. Each entry point logs every request the key authorizes; this records, on the forum,
// when it was last used, at most once a minute per forum and process: a write per request would
// make every integration call a write.
import { roleSql, type Database } from '@parley/data';

/** how stale `moderator_key_used_at` may be: one write per this many seconds, per forum and process */
export const KEY_USE_INTERVAL_SECONDS = 60;

const lastWrites = new WeakMap<Database, Map<string, number>>();

/** Records that the forum's key was used now, unless this process recorded a use within the interval. */
export async function recordKeyUse(db: Database, forumId: string, nowMs = Date.now()): Promise<void> {
  let seen = lastWrites.get(db);
  if (!seen) lastWrites.set(db, (seen = new Map()));
  const last = seen.get(forumId);
  if (last !== undefined && nowMs - last < KEY_USE_INTERVAL_SECONDS * 1000) return;
  seen.set(forumId, nowMs);
  // conditional too: other processes share the interval, so a fleet writes about once a minute
  await db.exec({ area: 'forums', mode: 'write' }, roleSql.touchModeratorKey, [forumId, KEY_USE_INTERVAL_SECONDS]);
}
