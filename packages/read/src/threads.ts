// A thread by id, and comment counts of many threads of a forum (a listing page's badges).
import { threadFromRow, threadSql, type ContentLocator, type Database } from '@parley/data';
import { checkId, ParleyError, type Forum, type Thread } from '@parley/domain';

export async function getThread(db: Database, locator: ContentLocator, threadId: string): Promise<Thread> {
  checkId(threadId, 'thread id');
  const { rows } = await db.exec({ ...(await locator.threadRoute(threadId)), mode: 'read' }, threadSql.selectThread, [threadId]);
  if (rows.length === 0) throw new ParleyError('thread_not_found', { details: { threadId } });
  return threadFromRow(rows[0]);
}

/** Published-post counts by thread identifier; an identifier with no thread counts 0. */
export async function threadCounts(db: Database, forum: Forum, identifiers: string[]): Promise<Record<string, number>> {
  const { rows } = await db.exec({ area: 'content', shard: forum.shard, mode: 'read' }, threadSql.selectCounts, [forum.id, identifiers]);
  const counts: Record<string, number> = Object.fromEntries(identifiers.map((id) => [id, 0]));
  for (const r of rows) counts[r.identifier as string] = r.post_count as number;
  return counts;
}
