// The counters' rebuild from the event log, in key ranges: the log is read `WHERE id > $last
// ORDER BY id LIMIT n` (the seed's SkinnyQuerySet), each post's latest status snapshot is kept in
// a temporary table on the content database (its weights, not the post), and every counter table
// is then walked the same way and compared with the sums of that table. Memory stays one page.
import { eventColumns } from '../logged-event.ts';
import { counterTables, type CounterTable } from './counters.ts';

/** One row per post: its latest status event's seq, the keys it counts under, and its weights. Dropped at commit. */
export const createRebuiltPosts = `CREATE TEMPORARY TABLE rebuilt_posts (
  id bigint PRIMARY KEY, seq bigint NOT NULL,
  ${counterTables.map((c) => `${c.postColumn} bigint`).join(', ')},
  published int NOT NULL, pending int NOT NULL) ON COMMIT DROP`;

/** The next page of the log's status events: $1 after event id, $2 status event types, $3 limit */
export const statusEventsAfter = {
  name: 'parley_rebuild_status_events',
  text: `SELECT ${eventColumns} FROM events
    WHERE id > $1::bigint AND type = ANY($2::text[]) ORDER BY id LIMIT $3`,
};

export interface RebuiltPost {
  id: string;
  seq: number;
  keys: Record<CounterTable['postColumn'], string | null>;
  published: number;
  pending: number;
}

/** Keeps the later snapshot of each post (by seq). One row per post per call: the caller keeps the latest of a page. */
export const keepLatest = `INSERT INTO rebuilt_posts (id, seq, ${counterTables.map((c) => c.postColumn).join(', ')}, published, pending)
  SELECT * FROM unnest($1::bigint[], $2::bigint[], ${counterTables.map((_, i) => `$${i + 3}::bigint[]`).join(', ')},
    $${counterTables.length + 3}::int[], $${counterTables.length + 4}::int[])
  ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, published = EXCLUDED.published, pending = EXCLUDED.pending
  WHERE rebuilt_posts.seq < EXCLUDED.seq`;

export const keepLatestValues = (posts: RebuiltPost[]): unknown[] => [
  posts.map((p) => p.id),
  posts.map((p) => p.seq),
  ...counterTables.map((c) => posts.map((p) => p.keys[c.postColumn])),
  posts.map((p) => p.published),
  posts.map((p) => p.pending),
];

/** Run once the log is read: each counter table's sums look rebuilt_posts up by its key. */
export const indexRebuiltPosts = [
  ...counterTables.map((c) => `CREATE INDEX ON rebuilt_posts (${c.postColumn})`),
  // temporary tables are never analyzed on their own
  'ANALYZE rebuilt_posts',
];

/** Applying holds off the counters handlers (their claims) until the rebuild commits. */
export const lockClaims = 'LOCK TABLE applied_events IN EXCLUSIVE MODE';

/** Marks events as applied by every counters handler: $1 handler names, $2 event ids */
export const claimForHandlers = `INSERT INTO applied_events (handler, event_id)
  SELECT h, e FROM unnest($1::text[]) AS h, unnest($2::bigint[]) AS e ON CONFLICT DO NOTHING`;

/** The next page of a counter table's live values: $1 after id, $2 limit */
export const livePage = (c: CounterTable): string =>
  `SELECT id, ${c.columns.map((x) => x.column).join(', ')} FROM ${c.table} WHERE id > $1::bigint ORDER BY id LIMIT $2`;

/** The rebuilt weights summed per key of a counter table, for the keys of one page: $1 ids */
export const rebuiltSums = (c: CounterTable): string =>
  `SELECT ${c.postColumn} AS id, sum(published)::int AS published, sum(pending)::int AS pending FROM rebuilt_posts
    WHERE ${c.postColumn} = ANY($1::bigint[]) GROUP BY ${c.postColumn}`;
