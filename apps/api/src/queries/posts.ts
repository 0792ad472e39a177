// A thread's posts, one keyset page at a time, in reading order: each reply follows its parent.
import { postFromRow, postSql } from '@parley/data';
import { decodeCursor, encodeCursor, ParleyError, postView, sorts, type PostView, type Sort } from '@parley/domain';
import { contentRoute } from '../shards.ts';
import type { Services } from '../services.ts';

export interface Page {
  posts: PostView[];
  nextCursor: string | null;
}

export function pageLimit(s: Services, limit: number | undefined): number {
  if (limit === undefined) return s.config.pageSizeDefault;
  if (limit < 1 || limit > s.config.pageSizeMax) {
    throw new ParleyError('invalid_limit', { message: `limit must be from 1 to ${s.config.pageSizeMax}.`, details: { limit } });
  }
  return limit;
}

export function parseSort(sort: string | undefined): Sort {
  if (sort === undefined) return 'oldest';
  if (!(sorts as readonly string[]).includes(sort)) throw new ParleyError('invalid_sort', { details: { sort: sort.slice(0, 40) } });
  return sort as Sort;
}

export async function listPosts(
  s: Services,
  threadId: string,
  q: { sort?: string; cursor?: string; limit?: number },
  moderator: boolean,
): Promise<Page> {
  const sort = parseSort(q.sort);
  const limit = pageLimit(s, q.limit);
  const cursor = q.cursor !== undefined && q.cursor !== '' ? decodeCursor(q.cursor, sort) : undefined;
  const { statement, values } = postSql.listPosts(sort, { moderator, threadId, limit: limit + 1, after: cursor });
  const { rows } = await s.db.exec({ ...contentRoute(s.db, threadId, 'thread_not_found'), mode: 'read' }, statement, values);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    posts: page.map((r) => postView(postFromRow(r), { moderator })),
    nextCursor: more && last ? encodeCursor({ sort, path: last.path as string[], rootScore: last.root_score as number | undefined }) : null,
  };
}
