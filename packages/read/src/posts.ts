// A thread's posts, one keyset page at a time, in reading order: each reply follows its parent.
import { postFromRow, postSql, type ContentLocator, type Database } from '@parley/data';
import { decodeCursor, encodeCursor, ParleyError, postView, sorts, type PostPage, type Sort, type Viewer } from '@parley/domain';

export interface PageSizes {
  /** posts on a page when the request names no limit (config.pageSizeDefault) */
  defaultSize: number;
  /** the largest limit a request may name (config.pageSizeMax) */
  maxSize: number;
}

export interface PostPageQuery {
  sort?: string;
  cursor?: string;
  limit?: number;
}

export function pageLimit(sizes: PageSizes, limit: number | undefined): number {
  if (limit === undefined) return sizes.defaultSize;
  if (limit < 1 || limit > sizes.maxSize) {
    throw new ParleyError('invalid_limit', { message: `limit must be from 1 to ${sizes.maxSize}.`, details: { limit } });
  }
  return limit;
}

export function parseSort(sort: string | undefined): Sort {
  if (sort === undefined) return 'oldest';
  if (!(sorts as readonly string[]).includes(sort)) throw new ParleyError('invalid_sort', { details: { sort: sort.slice(0, 40) } });
  return sort as Sort;
}

export async function listPosts(db: Database, locator: ContentLocator, sizes: PageSizes, threadId: string, q: PostPageQuery, viewer: Viewer): Promise<PostPage> {
  const sort = parseSort(q.sort);
  const limit = pageLimit(sizes, q.limit);
  const cursor = q.cursor !== undefined && q.cursor !== '' ? decodeCursor(q.cursor, sort) : undefined;
  const { statement, values } = postSql.listPosts(sort, { moderator: viewer.moderator, threadId, limit: limit + 1, after: cursor });
  const { rows } = await db.exec({ ...(await locator.threadRoute(threadId)), mode: 'read' }, statement, values);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    posts: page.map((r) => postView(postFromRow(r), viewer)),
    nextCursor: more && last ? encodeCursor({ sort, path: last.path as string[], rootScore: last.root_score as number | undefined }) : null,
  };
}
