// Statements of an online forum move (docs/adr/0009). Rows travel as JSON text: `to_jsonb(r)::text`
// on the source and `jsonb_populate_recordset` on the target, so one pair of statements copies any
// table of the shared schema with every column (bytea, arrays, xid8 included) and no bigint ever
// passes through a JavaScript number.

export type MovedTable = 'threads' | 'posts' | 'votes' | 'post_flags' | 'events';

/** In copy order: a thread before its posts, a parent before its replies, a post before its votes and readers' flags. */
export const movedTables: readonly MovedTable[] = Object.freeze(['threads', 'posts', 'votes', 'post_flags', 'events']);

/** Each table's primary key, and whether its rows never change once written. */
export const tableKeys: Record<MovedTable, { key: string[]; immutable: boolean }> = {
  threads: { key: ['id'], immutable: false },
  posts: { key: ['id'], immutable: false },
  votes: { key: ['post_id', 'voter'], immutable: false },
  post_flags: { key: ['post_id', 'reporter'], immutable: true },
  events: { key: ['id'], immutable: true },
};

/** Counter columns: recounted on the target, so never compared (the source's may still be catching up). */
const derivedColumns: Record<MovedTable, string[]> = {
  threads: ['post_count', 'pending_count'],
  posts: ['reply_count'],
  votes: [],
  post_flags: [],
  // where the event was relayed is a fact of its database, not of the event
  events: ['txid'],
};

/** The columns of a table in table order (every shard runs the same migrations). $1 table */
export const tableColumns = `SELECT column_name::text AS name FROM information_schema.columns
  WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`;

const forumThreads = 'SELECT id FROM threads WHERE forum_id = $1';

/** One forum's rows of a table, and the order that puts parents first. $1 forum id */
const forumRows: Record<MovedTable, { from: string; order: string }> = {
  threads: { from: 'threads r WHERE r.forum_id = $1', order: 'r.id' },
  posts: { from: `posts r WHERE r.thread_id IN (${forumThreads})`, order: 'r.thread_id, r.depth, r.id' },
  votes: { from: `votes r WHERE r.post_id IN (SELECT id FROM posts WHERE thread_id IN (${forumThreads}))`, order: 'r.post_id, r.voter' },
  post_flags: { from: `post_flags r WHERE r.post_id IN (SELECT id FROM posts WHERE thread_id IN (${forumThreads}))`, order: 'r.post_id, r.reporter' },
  events: { from: `events r WHERE r.thread_id IN (${forumThreads})`, order: 'r.thread_id, r.seq' },
};

/** A cursor over one forum's rows of a table (inside the copy's REPEATABLE READ transaction). $1 forum id */
export const declareForumRows = (table: MovedTable): string =>
  `DECLARE move_${table} NO SCROLL CURSOR FOR SELECT to_jsonb(r)::text AS row FROM ${forumRows[table].from} ORDER BY ${forumRows[table].order}`;

export const fetchForumRows = (table: MovedTable, n: number): string => `FETCH ${n} FROM move_${table}`;

/** Rows named by ids (for votes and flags: their posts' ids): what a catch-up copies and the fence verifies. $1 ids */
const idRows: Record<MovedTable, { from: string; order: string }> = {
  threads: { from: 'threads r WHERE r.id = ANY($1::bigint[])', order: 'r.id' },
  posts: { from: 'posts r WHERE r.id = ANY($1::bigint[])', order: 'r.thread_id, r.depth, r.id' },
  votes: { from: 'votes r WHERE r.post_id = ANY($1::bigint[])', order: 'r.post_id, r.voter' },
  post_flags: { from: 'post_flags r WHERE r.post_id = ANY($1::bigint[])', order: 'r.post_id, r.reporter' },
  events: { from: 'events r WHERE r.id = ANY($1::bigint[])', order: 'r.id' },
};

/** Rows by id, for the catch-up: $1 ids (for votes: the posts' ids) */
export const rowsByIds = Object.fromEntries(
  movedTables.map((t) => [t, `SELECT to_jsonb(r)::text AS row FROM ${idRows[t].from} ORDER BY ${idRows[t].order}`]),
) as Record<MovedTable, string>;

/** A catch-up replaces the votes of the posts it copies (a vote row can change or go). $1 post ids */
export const deleteVotesOfPosts = 'DELETE FROM votes WHERE post_id = ANY($1::bigint[])';

/**
 * Writes rows on the target: inserted, or updated to the source's values. Copied events get txid
 * 0: they were relayed where they were written, and the relay skips txid 0. $1 a JSON array of rows
 */
export function upsertRows(table: MovedTable, columns: readonly string[]): string {
  const { key, immutable } = tableKeys[table];
  const select = columns.map((c) => (table === 'events' && c === 'txid' ? `'0'::xid8` : `r.${c}`));
  const rest = columns.filter((c) => !key.includes(c));
  const onConflict = immutable ? 'DO NOTHING' : `DO UPDATE SET (${rest.join(', ')}) = ROW(${rest.map((c) => `EXCLUDED.${c}`).join(', ')})`;
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select.join(', ')}
    FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) r ON CONFLICT (${key.join(', ')}) ${onConflict}`;
}

/** Snapshot of the copy: the first statement of its REPEATABLE READ transaction. */
export const currentSnapshot = 'SELECT pg_current_snapshot()::text AS snap';

/**
 * What one forum's writers changed between two snapshots: its events written by transactions the
 * earlier snapshot did not see (and this transaction does). Every content write appends an event,
 * so these name every thread and post that changed. $1 earlier snapshot, $2 forum id
 */
export const changedSince = `SELECT id::text, thread_id::text, post_id::text FROM events
  WHERE txid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(txid, $1::pg_snapshot) AND forum_id = $2`;

/** The fence (see migration 000005): $1 forum id, $2 the shard it goes to */
export const fenceForum = `INSERT INTO forum_fences (forum_id, to_shard) VALUES ($1, $2)
  ON CONFLICT (forum_id) DO UPDATE SET to_shard = EXCLUDED.to_shard, at = now()`;
export const unfenceForum = 'DELETE FROM forum_fences WHERE forum_id = $1';

/** Every transaction that was running when `$1` (a snapshot) was taken has ended. */
export const snapshotPassed = 'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= pg_snapshot_xmax($1::pg_snapshot) AS passed';

/**
 * Recounts thread counters from their posts: $1 thread ids, $2 published statuses, $3 awaiting
 * statuses. `forumThreadIds` gives all of a forum's.
 */
export const recountThreads = `UPDATE threads t SET post_count = c.published, pending_count = c.pending
  FROM (SELECT th.id, count(p.id) FILTER (WHERE p.status = ANY($2::text[]))::int AS published,
               count(p.id) FILTER (WHERE p.status = ANY($3::text[]))::int AS pending
        FROM threads th LEFT JOIN posts p ON p.thread_id = th.id WHERE th.id = ANY($1::bigint[]) GROUP BY th.id) c
  WHERE t.id = c.id AND (t.post_count, t.pending_count) IS DISTINCT FROM (c.published, c.pending)`;

/**
 * Recounts the reply counts of some posts and of their parents (a changed post changes its
 * parent's count), by the parent index: $1 post ids, $2 published statuses
 */
export const recountRepliesOfPosts = `UPDATE posts p SET reply_count = c.n
  FROM (SELECT par.id, (SELECT count(*) FROM posts ch WHERE ch.parent_id = par.id AND ch.status = ANY($2::text[]))::int AS n
        FROM posts par WHERE par.id IN (SELECT parent_id FROM posts WHERE id = ANY($1::bigint[]) UNION SELECT unnest($1::bigint[]))) c
  WHERE p.id = c.id AND p.reply_count <> c.n`;

/** Recounts the reply counts of every post of some threads (the whole forum's, once): $1 thread ids, $2 published statuses */
export const recountReplies = `UPDATE posts p SET reply_count = c.n
  FROM (SELECT par.id, count(ch.id) FILTER (WHERE ch.status = ANY($2::text[]))::int AS n
        FROM posts par LEFT JOIN posts ch ON ch.parent_id = par.id
        WHERE par.thread_id = ANY($1::bigint[]) GROUP BY par.id) c
  WHERE p.id = c.id AND p.reply_count <> c.n`;

/** All of a forum's thread ids. $1 forum id */
export const forumThreadIds = 'SELECT array_agg(id ORDER BY id)::text[] AS ids FROM threads WHERE forum_id = $1';

/** Marks events of the given types as applied by a handler: $1 event ids, $2 handler, $3 types */
export const claimEvents = `INSERT INTO applied_events (handler, event_id)
  SELECT $2, id FROM events WHERE id = ANY($1::bigint[]) AND type = ANY($3::text[]) ON CONFLICT DO NOTHING`;

/** All of a forum's event ids of the given types. $1 forum id, $2 types */
export const forumEventIds = `SELECT coalesce(array_agg(id), '{}')::text[] AS ids FROM events WHERE thread_id IN (${forumThreads}) AND type = ANY($2::text[])`;

const compared = (table: MovedTable, columns: readonly string[]) =>
  columns.filter((c) => !derivedColumns[table].includes(c)).map((c) => `r.${c}`).join(', ');

/** Row count and checksum of one forum's rows of a table, derived columns left out. $1 forum id */
export function checksum(table: MovedTable, columns: readonly string[]): string {
  return `SELECT count(*)::int AS n, coalesce(md5(string_agg(md5(ROW(${compared(table, columns)})::text), '' ORDER BY ${forumRows[table].order})), '') AS sum
    FROM ${forumRows[table].from}`;
}

/** The same for the rows named by ids (see rowsByIds). $1 ids */
export function checksumByIds(table: MovedTable, columns: readonly string[]): string {
  return `SELECT count(*)::int AS n, coalesce(md5(string_agg(md5(ROW(${compared(table, columns)})::text), '' ORDER BY ${idRows[table].order})), '') AS sum
    FROM ${idRows[table].from}`;
}

/** How many rows of a table the forum has. $1 forum id */
export const countRows = (table: MovedTable): string => `SELECT count(*)::int AS n FROM ${forumRows[table].from}`;

/**
 * The forum's event-log heads: a digest of every thread's last sequence number, and how many
 * threads' logs are not exactly 1..last_seq (must be 0). $1 forum id
 */
export const heads = `SELECT coalesce(md5(string_agg(t.id || ':' || t.last_seq, ',' ORDER BY t.id)), '') AS heads,
    count(*) FILTER (WHERE t.last_seq <> (SELECT count(*) FROM events e WHERE e.thread_id = t.id AND e.seq BETWEEN 1 AND t.last_seq)
                        OR EXISTS (SELECT 1 FROM events e WHERE e.thread_id = t.id AND e.seq > t.last_seq))::int AS broken
  FROM threads t WHERE t.forum_id = $1`;

/** The digest of the forum's heads alone (the fence's check: cheap). $1 forum id */
export const headsDigest = `SELECT coalesce(md5(string_agg(t.id || ':' || t.last_seq, ',' ORDER BY t.id)), '') AS heads FROM threads t WHERE t.forum_id = $1`;

/** Fills the planner's statistics after the bulk copy (the verification reads every row). */
export const analyzeMoved = 'ANALYZE threads, posts, votes, events';

/** A page of a forum's thread ids (removal goes thread by thread). $1 forum, $2 after id, $3 limit */
export const threadIdsPage = 'SELECT t.id::text AS id FROM threads t WHERE t.forum_id = $1 AND t.id > $2::bigint ORDER BY t.id LIMIT $3';

/** Removes some threads of a forum with everything in them, children first. $1 thread ids */
export const removeThreads = [
  'DELETE FROM votes WHERE post_id IN (SELECT id FROM posts WHERE thread_id = ANY($1::bigint[]))',
  'DELETE FROM events WHERE thread_id = ANY($1::bigint[])',
  'DELETE FROM posts WHERE thread_id = ANY($1::bigint[])',
  'DELETE FROM threads WHERE id = ANY($1::bigint[])',
];

/**
 * How many of the forum's events the old shard's relay has not passed yet: they must be relayed
 * before the copy they live in is removed. No cursor row yet means nothing was relayed.
 * $1 forum id, $2 the relay cursor's name
 */
export const unrelayed = `SELECT count(*)::int AS n FROM events e LEFT JOIN relay_cursor c ON c.name = $2
  WHERE e.thread_id IN (${forumThreads}) AND e.txid > '0'::xid8 AND (c.name IS NULL OR (e.txid, e.id) > (c.txid, c.event_id))`;

/** The switch of the shard map: $1 forum, $2 from shard, $3 to shard */
export const switchShard = 'UPDATE forums SET shard = $3, updated_at = now() WHERE id = $1 AND shard = $2 RETURNING id';
