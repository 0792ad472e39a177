import { checkOrigin, actorOf, type Credential } from '@parley/access';
import { appendThreadEvent, threadFromRow, threadSql, type ContentRoute } from '@parley/data';
import { actorLabel, makeEvent, ParleyError, type Forum, type Thread, type ThreadCreated } from '@parley/domain';
import type { Services } from '../services.ts';
import type { CreateThreadBody } from '../schemas.ts';

function checkUrl(url: string | undefined): string | null {
  if (url === undefined || url === '') return null;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.toString();
  } catch {
    // falls through to the error
  }
  throw new ParleyError('invalid_field', { message: 'url must be an absolute http(s) URL.', details: { field: 'body.url' } });
}

/** Get-or-create: the widget calls this on a page's first view. */
export async function getOrCreateThread(
  s: Services,
  cred: Credential,
  forum: Forum,
  body: CreateThreadBody,
  origin: string | undefined,
): Promise<{ thread: Thread; created: boolean }> {
  checkOrigin(forum, origin);
  const identifier = body.identifier.trim();
  if (identifier.length === 0) throw new ParleyError('invalid_field', { message: 'identifier must not be blank.', details: { field: 'body.identifier' } });
  const url = checkUrl(body.url);
  const { locator } = s.read;
  const locate = (fresh: boolean) => (fresh ? locator.forumRoute(forum.id, { fresh }) : Promise.resolve({ area: 'content' as const, shard: forum.shard }));
  const existing = await s.db.exec({ area: 'content', shard: forum.shard, mode: 'read' }, threadSql.selectThreadByIdentifier, [forum.id, identifier]);
  if (existing.rows.length) {
    const thread = threadFromRow(existing.rows[0]);
    await locator.remember('thread', thread.id, forum.id);
    return { thread, created: false };
  }
  // a forum being moved refuses the insert's event on its old shard: then it runs where the forum went
  let route: ContentRoute = { area: 'content', shard: forum.shard };
  const made = await locator.write(locate, (r) => {
    route = r;
    return s.db.tx(r, async (ex) => {
      const { rows } = await ex.query(threadSql.insertThread, [forum.id, identifier, url, body.title?.trim() || null]);
      if (rows.length === 0) return undefined; // created concurrently by someone else
      // the snapshot is the thread as it is once this, its first event, is logged (seq 1)
      const thread = { ...threadFromRow(rows[0]), lastSeq: '1' };
      await appendThreadEvent(ex, { threadId: thread.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ThreadCreated>('ThreadCreated', thread) });
      return thread;
    });
  });
  if (made) {
    await locator.remember('thread', made.id, forum.id);
    return { thread: made, created: true };
  }
  const again = await s.db.exec({ ...route, mode: 'read', fresh: true }, threadSql.selectThreadByIdentifier, [forum.id, identifier]);
  return { thread: threadFromRow(again.rows[0]), created: false };
}
