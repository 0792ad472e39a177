// Readers' flags (post_flags, next to the posts on the content shards). A flag is three conditional
// statements in one transaction: the insert (a reader's second flag inserts nothing, and the
// transaction stops there), the count (only a published post counts one; otherwise the insert is
// rolled back with it), and the hold, which happens only in the statement that makes the count
// reach the forum's threshold.
import { postColumns } from './rows.ts';

/** $1 post id, $2 reporter (`user:<id>` or `guest:<hash>`), $3 reason, $4 note; no row: this reader flagged it already */
export const insertFlag = `INSERT INTO post_flags (post_id, reporter, reason, note) VALUES ($1, $2, $3, $4)
  ON CONFLICT (post_id, reporter) DO NOTHING
  RETURNING post_id, reporter, reason, note, created_at`;

/** $1 post id, $2 flaggable statuses; no row: the post is not (or no longer) published */
export const countFlag = `UPDATE posts SET flag_count = flag_count + 1 WHERE id = $1 AND status = ANY($2::text[])
  RETURNING ${postColumns}`;

/**
 * Back to the queue when readers' flags reach the threshold: $1 post id, $2 the hold transition's
 * from-statuses, $3 to, $4 the threshold, $5 the reason (a jsonb array) added to the post's. Only
 * on reaching it: a post a moderator approved again after a hold is not held by every later flag.
 */
export const holdFlagged = `UPDATE posts SET prev_status = status, status = $3, status_changed_at = now(),
    moderation_reasons = moderation_reasons || $5::jsonb
  WHERE id = $1 AND status = ANY($2::text[]) AND flag_count = $4
  RETURNING ${postColumns}`;

/** One reader's flag of a post: $1 post id, $2 reporter */
export const selectFlag = `SELECT post_id, reporter, reason, note, created_at FROM post_flags WHERE post_id = $1 AND reporter = $2`;

/** A post's flags, newest first, for its moderators: $1 post id, $2 limit */
export const selectFlags = `SELECT post_id, reporter, reason, note, created_at FROM post_flags WHERE post_id = $1
  ORDER BY created_at DESC, reporter LIMIT $2`;
