// The moderation queue: a forum's held, spam, shadowed and flagged posts (one page, one statement
// on the forum's content shard), and bulk actions that run each post's change exactly as the
// single-post route does (moderatePost: its own statement and event, the actor recorded).
import { requireModerator, type Credential } from '@parley/access';
import { queueSql } from '@parley/data';
import {
  checkId,
  decodeQueueCursor,
  encodeQueueCursor,
  isId,
  ParleyError,
  queueItemView,
  type ModerationAction,
  type PostStatus,
  type QueueItemView,
  type QueueName,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';
import { moderatePost } from './posts.ts';

export const QUEUE_PAGE_MAX = 100;
export const BULK_MAX = 100;
/** posts of one bulk request changed at the same time: each is its own transaction */
const BULK_CONCURRENCY = 4;

export interface QueueQuery {
  status?: QueueName;
  reason?: string;
  threadId?: string;
  author?: string;
  cursor?: string;
  limit?: number;
}

export function checkPageLimit(limit: number | undefined): number {
  const n = limit ?? 50;
  if (!Number.isInteger(n) || n < 1 || n > QUEUE_PAGE_MAX) throw new ParleyError('invalid_limit', { message: `limit must be from 1 to ${QUEUE_PAGE_MAX}.` });
  return n;
}

/** `author`: a user id (digits: also a name), an email (has an @), else a name; compared case-insensitively. */
function authorFilter(raw: string | undefined): [string | null, string | null, string | null] {
  const a = raw?.trim();
  if (!a) return [null, null, null];
  if (a.includes('@')) return [null, a.toLowerCase(), null];
  return [isId(a) ? a : null, null, a.toLowerCase()];
}

/** The forum, when the credential moderates it (401 without one, 403 with another forum's). */
export async function moderatedForum(s: Services, cred: Credential, slug: string) {
  const forum = await getForum(s, slug);
  requireModerator(cred, forum.id);
  return forum;
}

export async function listQueue(s: Services, cred: Credential, slug: string, q: QueueQuery): Promise<{ items: QueueItemView[]; nextCursor: string | null }> {
  const forum = await moderatedForum(s, cred, slug);
  const queue = q.status ?? 'pending';
  const limit = checkPageLimit(q.limit);
  const before = q.cursor === undefined ? null : decodeQueueCursor(q.cursor, queue);
  if (q.threadId !== undefined) checkId(q.threadId, 'threadId');
  const [userId, email, name] = authorFilter(q.author);
  const flagged = queue === 'flagged';
  const route = await s.read.locator.forumRoute(forum.id);
  // from the primary: a moderator acts on what the list shows, and just acted on the last one
  const { rows } = await s.db.exec({ ...route, mode: 'read', fresh: true }, flagged ? queueSql.selectQueueFlagged : queueSql.selectQueueByStatus, [
    forum.id,
    flagged ? queueSql.flaggedStatus : queue,
    before,
    q.reason || null,
    q.threadId ?? null,
    userId,
    email,
    name,
    limit + 1,
  ]);
  const page = rows.slice(0, limit).map((r) => {
    const { post, thread, authorEmail } = queueSql.queueRowParts(r);
    return queueItemView(post, thread, authorEmail);
  });
  return { items: page, nextCursor: rows.length > limit ? encodeQueueCursor(queue, page[page.length - 1].id) : null };
}

export interface BulkResult {
  postId: string;
  status?: PostStatus;
  error?: { code: string; message: string };
}

export async function bulkModerate(s: Services, cred: Credential, slug: string, action: ModerationAction, postIds: string[]): Promise<BulkResult[]> {
  const forum = await moderatedForum(s, cred, slug);
  if (postIds.length === 0 || postIds.length > BULK_MAX) {
    throw new ParleyError('invalid_field', { message: `postIds takes 1 to ${BULK_MAX} post ids.`, details: { field: 'postIds' } });
  }
  for (const id of postIds) checkId(id, 'post id');
  const unique = [...new Set(postIds)];
  // a moderator of several forums acts here on this forum's posts only
  const route = await s.read.locator.forumRoute(forum.id);
  const { rows } = await s.db.exec({ ...route, mode: 'read', fresh: true }, queueSql.selectForumPostIds, [unique, forum.id]);
  const ours = new Set(rows.map((r) => String(r.id)));
  const results = new Map<string, BulkResult>();
  const one = async (postId: string): Promise<BulkResult> => {
    if (!ours.has(postId)) return { postId, error: { code: 'post_not_found', message: new ParleyError('post_not_found').message } };
    try {
      const { post } = await moderatePost(s, cred, postId, action);
      return { postId, status: post.status };
    } catch (err) {
      if (err instanceof ParleyError) return { postId, error: { code: err.code, message: err.message } };
      throw err;
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const id = unique[next++];
      results.set(id, await one(id));
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, unique.length) }, worker));
  return postIds.map((id) => results.get(id)!);
}
