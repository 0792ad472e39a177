// Where the counters live: each counter is a table's columns keyed by one attribute of a post,
// summing a weight (the domain's `counterWeight`) over the posts that share that attribute.
// The worker's incremental update and the rebuild both derive their statements from this list.
import type { CounterWeight, PostRecord } from '@parley/domain';
import type { Area } from '../db.ts';

export interface CounterTable {
  /** how reports name it */
  name: 'thread' | 'forum' | 'user' | 'replies';
  area: Area;
  table: 'threads' | 'forums' | 'users' | 'posts';
  /** the post attribute that names this table's row */
  postField: 'threadId' | 'forumId' | 'authorUserId' | 'parentId';
  /** the post column holding that attribute */
  postColumn: 'thread_id' | 'forum_id' | 'author_user_id' | 'parent_id';
  /** each counter column and the weight it sums */
  columns: readonly { column: 'post_count' | 'pending_count' | 'reply_count'; weight: keyof CounterWeight }[];
}

const postAndPending = [{ column: 'post_count', weight: 'published' }, { column: 'pending_count', weight: 'pending' }] as const;

/** In update order: within the content area, threads before posts. */
export const counterTables: readonly CounterTable[] = Object.freeze([
  { name: 'thread', area: 'content', table: 'threads', postField: 'threadId', postColumn: 'thread_id', columns: postAndPending },
  { name: 'replies', area: 'content', table: 'posts', postField: 'parentId', postColumn: 'parent_id', columns: [{ column: 'reply_count', weight: 'published' }] },
  { name: 'forum', area: 'forums', table: 'forums', postField: 'forumId', postColumn: 'forum_id', columns: postAndPending },
  { name: 'user', area: 'accounts', table: 'users', postField: 'authorUserId', postColumn: 'author_user_id', columns: [{ column: 'post_count', weight: 'published' }] },
] satisfies CounterTable[]);

/** The key a post counts under in a table (null: it counts nowhere there, e.g. a root's parent). */
export const counterKey = (c: CounterTable, post: PostRecord): string | null => post[c.postField];

const unnestArgs = (c: CounterTable) => `unnest($1::bigint[], ${c.columns.map((_, i) => `$${i + 2}::int[]`).join(', ')}) AS d(id, ${c.columns.map((_, i) => `n${i}`).join(', ')})`;

/**
 * Adds each key's summed deltas (`n = n + k`): $1 ids, then one int[] per column in `columns` order
 * (`counterValues`). One statement per table per batch.
 */
export const addCounts = (c: CounterTable): string =>
  `UPDATE ${c.table} t SET ${c.columns.map((x, i) => `${x.column} = t.${x.column} + d.n${i}`).join(', ')} FROM ${unnestArgs(c)} WHERE t.id = d.id`;

/** Sets each key's counts to the given values; same values as `addCounts`. */
export const setCounts = (c: CounterTable): string =>
  `UPDATE ${c.table} t SET ${c.columns.map((x, i) => `${x.column} = d.n${i}`).join(', ')} FROM ${unnestArgs(c)} WHERE t.id = d.id`;

/** The values of `addCounts` and `setCounts` for weights per key. */
export const counterValues = (c: CounterTable, weights: Map<string, CounterWeight>): unknown[] => {
  const ids = [...weights.keys()];
  return [ids, ...c.columns.map((x) => ids.map((id) => weights.get(id)![x.weight]))];
};
