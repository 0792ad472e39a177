// Statements of a rules backtest (packages/data/src/backtest): the forum's log read in key ranges
// (`id > $last ORDER BY id LIMIT n`), each page's posts' later status events, the authors' account
// ages, and the advisory lock that lets one backtest per forum run at a time.

/**
 * The next page of the forum's log, events of the given types: $1 forum id, $2 after event id,
 * $3 types, $4 limit. The guest's email is on the post row (events never carry it).
 */
export const forumEventsAfter = {
  name: 'parley_backtest_events',
  text: `SELECT e.id, e.thread_id, e.type, e.schema_version, e.at, e.actor, e.snapshot, p.author_email
    FROM events e LEFT JOIN posts p ON p.id = e.post_id
    WHERE e.forum_id = $1 AND e.id > $2::bigint AND e.type = ANY($3::text[]) ORDER BY e.id LIMIT $4`,
};

/** Each post's status events after its creation, in log order: $1 post ids, $2 those event types */
export const laterStatusEvents = {
  name: 'parley_backtest_fates',
  text: `SELECT post_id::text AS post_id, array_agg(type ORDER BY id) AS types FROM events
    WHERE post_id = ANY($1::bigint[]) AND type = ANY($2::text[]) GROUP BY post_id`,
};

/** Accounts' creation times (accounts area): $1 user ids */
export const accountsCreated = {
  name: 'parley_backtest_accounts',
  text: `SELECT id::text AS id, created_at FROM users WHERE id = ANY($1::bigint[])`,
};

/** The forum's moderator accounts (accounts area; their comments skip the rules): $1 forum id */
export const forumModerators = `SELECT user_id::text AS user_id FROM forum_roles WHERE forum_id = $1`;

/** The advisory lock's first key: backtests, apart from other users of advisory locks. */
export const BACKTEST_LOCK = 7_310_415;

/** Session lock on the forums primary, held for the run: $1 lock key, $2 forum id */
export const tryLock = 'SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok';
