// Which forum a thread belongs to. That never changes, so each process remembers it (bounded):
// a warm write or listing needs no thread lookup before its own statement.
import { threadSql, type Database } from '@parley/data';
import { checkId, ParleyError } from '@parley/domain';
import { contentRoute } from './shards.ts';

export class ThreadDirectory {
  private readonly forums = new Map<string, string>();
  private readonly db: Database;
  private readonly maxEntries: number;

  constructor(db: Database, maxEntries = 100_000) {
    this.db = db;
    this.maxEntries = maxEntries;
  }

  /** threads remembered now (at most maxEntries) */
  get size(): number {
    return this.forums.size;
  }

  async forumOf(threadId: string): Promise<string> {
    checkId(threadId, 'thread id');
    const known = this.forums.get(threadId);
    if (known) return known;
    const { rows } = await this.db.exec({ ...contentRoute(this.db, threadId, 'thread_not_found'), mode: 'read' }, threadSql.selectThread, [threadId]);
    if (rows.length === 0) throw new ParleyError('thread_not_found', { details: { threadId } });
    this.remember(threadId, rows[0].forum_id as string);
    return rows[0].forum_id as string;
  }

  remember(threadId: string, forumId: string): void {
    if (this.forums.size >= this.maxEntries) this.forums.delete(this.forums.keys().next().value!);
    this.forums.set(threadId, forumId);
  }
}
