// Which forum a thread belongs to. That never changes, so it is remembered (in a bounded cache,
// without expiry): a warm write or listing needs no thread lookup before its own statement.
import { MemoryCache, threadSql, type Cache, type Database } from '@parley/data';
import { checkId, ParleyError } from '@parley/domain';
import { contentRoute } from './shards.ts';

export class ThreadDirectory {
  private readonly db: Database;
  private readonly cache: Cache<string>;

  /** `cache` holds thread id → forum id; default: in-process, 100,000 threads */
  constructor(db: Database, cache: Cache<string> = new MemoryCache({ maxEntries: 100_000 })) {
    this.db = db;
    this.cache = cache;
  }

  async forumOf(threadId: string): Promise<string> {
    checkId(threadId, 'thread id');
    const known = await this.cache.get(threadId);
    if (known !== undefined) return known;
    const { rows } = await this.db.exec({ ...contentRoute(this.db, threadId, 'thread_not_found'), mode: 'read' }, threadSql.selectThread, [threadId]);
    if (rows.length === 0) throw new ParleyError('thread_not_found', { details: { threadId } });
    const forumId = rows[0].forum_id as string;
    await this.cache.set(threadId, forumId);
    return forumId;
  }

  remember(threadId: string, forumId: string): Promise<void> {
    return this.cache.set(threadId, forumId);
  }
}
