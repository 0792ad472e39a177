// A thread's posts, one keyset page at a time, in reading order: each reply follows its parent.
import { postFromRow, postSql, userSql, type ContentLocator, type Database, type Executor } from '@parley/data';
import type { ObjectCache } from './object-cache.ts';
import { decodeCursor, encodeCursor, ParleyError, postView, seesPost, sorts, type AuthorProfile, type PostPage, type PostRecord, type Sort, type Viewer } from '@parley/domain';

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

/** A listing's query, checked: the sort, the page size, and the cursor (decoded), or a 400. */
export function checkPageQuery(sizes: PageSizes, q: PostPageQuery): { sort: Sort; limit: number; cursor?: string } {
  const sort = parseSort(q.sort);
  const limit = pageLimit(sizes, q.limit);
  if (q.cursor !== undefined && q.cursor !== '') decodeCursor(q.cursor, sort);
  return { sort, limit, ...(q.cursor ? { cursor: q.cursor } : {}) };
}

/** `on`: the content statement runs there (a positioned read, for the page cache) instead of by route. */
export async function listPosts(
  db: Database,
  locator: ContentLocator,
  sizes: PageSizes,
  threadId: string,
  q: PostPageQuery,
  viewer: Viewer,
  opts: { on?: Executor; profiles?: ObjectCache<AuthorProfile> } = {},
): Promise<PostPage> {
  const sort = parseSort(q.sort);
  const limit = pageLimit(sizes, q.limit);
  const cursor = q.cursor !== undefined && q.cursor !== '' ? decodeCursor(q.cursor, sort) : undefined;
  const { statement, values } = postSql.listPosts(sort, { moderator: viewer.moderator, threadId, limit: limit + 1, after: cursor, ownShadowedOf: viewer.userId });
  const { rows } = opts.on ? await opts.on.query(statement, values) : await db.exec({ ...(await locator.threadRoute(threadId)), mode: 'read' }, statement, values);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const posts = page.map(postFromRow);
  const profiles = await authorProfiles(db, posts.filter((p) => seesPost(p, viewer)), opts.profiles);
  return {
    posts: posts.map((p) => postView(p, viewer, profiles)),
    nextCursor: more && last ? encodeCursor({ sort, path: last.path as string[], rootScore: last.root_score as number | undefined }) : null,
  };
}

/**
 * The registered authors' profiles of a page: one query on the accounts partition (a replica will
 * do) by the set of ids, or none when every author is a guest. Posts never join users in SQL:
 * they live on a content shard, users in accounts.
 */
export async function authorProfiles(db: Database, posts: readonly PostRecord[], cache?: ObjectCache<AuthorProfile>): Promise<Map<string, AuthorProfile>> {
  const ids = [...new Set(posts.flatMap((p) => (p.authorUserId === null ? [] : [p.authorUserId])))];
  const load = async (missing: string[]) => {
    const out = new Map<string, AuthorProfile>();
    const { rows } = await db.exec({ area: 'accounts', mode: 'read' }, userSql.selectProfiles, [missing]);
    for (const r of rows) {
      out.set(r.id as string, {
        id: r.id as string,
        username: r.username as string,
        postCount: r.post_count as number,
        since: new Date(r.created_at as Date).toISOString(),
        avatarUrl: (r.avatar_url as string | null) ?? null,
      });
    }
    return out;
  };
  if (ids.length === 0) return new Map();
  // per-object entries, one get_many for the page's authors; the misses in one query
  return cache ? cache.many(ids, load) : load(ids);
}
