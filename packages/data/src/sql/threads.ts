export const selectThread = { name: 'parley_select_thread', text: `SELECT * FROM threads WHERE id = $1` };
export const selectThreadByIdentifier = `SELECT * FROM threads WHERE forum_id = $1 AND identifier = $2`;
/** A new thread, at sequence 0: its ThreadCreated event, appended in the same transaction like every event, is seq 1. */
export const insertThread = `INSERT INTO threads (forum_id, identifier, url, title, last_seq) VALUES ($1, $2, $3, $4, 0)
  ON CONFLICT (forum_id, identifier) DO NOTHING RETURNING *`;
/** Counts for a listing page: $1 forum, $2 identifiers */
export const selectCounts = { name: 'parley_select_counts', text: `SELECT identifier, post_count FROM threads WHERE forum_id = $1 AND identifier = ANY($2::text[])` };
/** Where each thread's log ends: $1 thread ids. The realtime sweep compares these with what it has pushed. */
export const selectThreadHeads = { name: 'parley_select_thread_heads', text: `SELECT id, last_seq FROM threads WHERE id = ANY($1::bigint[])` };
