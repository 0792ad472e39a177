// What the realtime tier reads from Postgres: a thread's head (where its log ends) and its events
// after a sequence number. Always from the primary: a replica that lags would make a node believe
// an event does not exist yet, and the whole point of these reads is to repair what was missed.
import { loggedEventFromRow, selectThreadEvents, shardOfId, threadSql, type Database, type Route } from '@parley/data';
import type { ParleyEvent } from '@parley/domain';

export interface LogEvent {
  seq: number;
  at: Date;
  event: ParleyEvent;
}

export interface ThreadHead {
  forumId: string;
  lastSeq: number;
}

const route = (db: Database, threadId: string): Route | undefined => {
  const shard = shardOfId(threadId);
  return db.hasShard(shard) ? { area: 'content', shard, mode: 'read', fresh: true } : undefined;
};

export class EventLog {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  async head(threadId: string): Promise<ThreadHead | undefined> {
    const r = route(this.db, threadId);
    if (!r) return undefined;
    const { rows } = await this.db.exec(r, threadSql.selectThread, [threadId]);
    return rows.length ? { forumId: rows[0].forum_id as string, lastSeq: Number(rows[0].last_seq) } : undefined;
  }

  /** Heads of many threads, one statement per shard. */
  async heads(threadIds: string[]): Promise<Map<string, number>> {
    const byShard = new Map<number, string[]>();
    for (const id of threadIds) {
      const shard = shardOfId(id);
      if (!byShard.has(shard)) byShard.set(shard, []);
      byShard.get(shard)!.push(id);
    }
    const out = new Map<string, number>();
    await Promise.all(
      [...byShard].map(async ([shard, ids]) => {
        if (!this.db.hasShard(shard)) return;
        const { rows } = await this.db.exec({ area: 'content', shard, mode: 'read', fresh: true }, threadSql.selectThreadHeads, [ids]);
        for (const row of rows) out.set(String(row.id), Number(row.last_seq));
      }),
    );
    return out;
  }

  async after(threadId: string, after: number, limit: number): Promise<LogEvent[]> {
    const r = route(this.db, threadId);
    if (!r) return [];
    const { rows } = await this.db.exec(r, selectThreadEvents, [threadId, after, limit]);
    return rows.map((row) => {
      const e = loggedEventFromRow(row);
      return { seq: e.seq!, at: e.at, event: e.event };
    });
  }
}
