// What the realtime tier reads from Postgres: a thread's head (where its log ends) and its events
// after a sequence number. Always from the primary of the shard that holds the thread now (a
// forum move keeps ids, docs/adr/0009): a replica that lags would make a node believe an event
// does not exist yet, and the whole point of these reads is to repair what was missed.
import { loggedEventFromRow, selectThreadEvents, threadSql, type ContentLocator, type ContentRoute, type Database, type ThreadEvent } from '@parley/data';
import { ParleyError } from '@parley/domain';

export interface ThreadHead {
  forumId: string;
  lastSeq: number;
}

export class EventLog {
  private readonly db: Database;
  private readonly locator: ContentLocator;

  constructor(db: Database, locator: ContentLocator) {
    this.db = db;
    this.locator = locator;
  }

  /** The thread's shard, read fresh (a move may just have switched it); undefined: no such thread. */
  private async route(threadId: string): Promise<ContentRoute | undefined> {
    try {
      return await this.locator.threadRoute(threadId, { fresh: true });
    } catch (err) {
      if (err instanceof ParleyError && (err.code === 'thread_not_found' || err.code === 'forum_not_found')) return undefined;
      throw err;
    }
  }

  async head(threadId: string): Promise<ThreadHead | undefined> {
    const r = await this.route(threadId);
    if (!r) return undefined;
    const { rows } = await this.db.exec({ ...r, mode: 'read', fresh: true }, threadSql.selectThread, [threadId]);
    return rows.length ? { forumId: rows[0].forum_id as string, lastSeq: Number(rows[0].last_seq) } : undefined;
  }

  /** Heads of many threads: each forum's shard read once, fresh; one statement per shard. */
  async heads(threadIds: string[]): Promise<Map<string, number>> {
    const byForum = new Map<string, string[]>();
    for (const id of threadIds) {
      const forumId = await this.locator.forumOfThread(id).catch((err: unknown) => {
        if (err instanceof ParleyError && err.code === 'thread_not_found') return undefined;
        throw err;
      });
      if (forumId !== undefined) byForum.set(forumId, [...(byForum.get(forumId) ?? []), id]);
    }
    const byShard = await this.locator.byShard([...byForum], ([forumId]) => forumId, { fresh: true });
    const out = new Map<string, number>();
    await Promise.all(
      [...byShard].map(async ([shard, forums]) => {
        const ids = forums.flatMap(([, some]) => some);
        const { rows } = await this.db.exec({ area: 'content', shard, mode: 'read', fresh: true }, threadSql.selectThreadHeads, [ids]);
        for (const row of rows) out.set(String(row.id), Number(row.last_seq));
      }),
    );
    return out;
  }

  async after(threadId: string, after: number, limit: number): Promise<ThreadEvent[]> {
    const r = await this.route(threadId);
    if (!r) return [];
    const { rows } = await this.db.exec({ ...r, mode: 'read', fresh: true }, selectThreadEvents, [threadId, after, limit]);
    // a thread's rows: thread, forum and seq are set
    return rows.map((row) => loggedEventFromRow(row) as ThreadEvent);
  }
}
