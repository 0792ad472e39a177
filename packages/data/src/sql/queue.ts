// The moderation queue and log. The queue reads a forum's posts on its content shard, newest
// first, by migration 12's posts_forum_queue_idx (held, spam, shadowed) or migration 14's
// posts_forum_flagged_idx (flagged); the thread of each item comes from the same shard in the
// same statement. The log reads the events of a forum from each database that holds some, by
// migration 14's events_moderation_log_idx, whose predicate the statement repeats word for word.
import { moderationLogPostTypes, type PostRecord, type QueueThread } from '@parley/domain';
import { eventColumns } from '../logged-event.ts';
import { postColumns, postFromRow } from './rows.ts';

/**
 * One page of a queue, newest first; `where` picks the queue and names the partial index's
 * predicate literally (a parameter alone would not let the planner use it).
 * $1 forum, $2 status (the statuses' queues), $3 before id, $4 reason code, $5 thread,
 * $6 author user id, $7 author email (lower-cased), $8 author name (lower-cased), $9 limit.
 */
const queuePage = (name: string, where: string) => ({
  name,
  text: `SELECT q.*, t.identifier AS thread_identifier, t.title AS thread_title, t.url AS thread_url
  FROM (SELECT ${postColumns}, author_email FROM posts
        WHERE forum_id = $1 AND ${where}
          AND ($3::bigint IS NULL OR id < $3::bigint)
          AND ($4::text IS NULL OR moderation_reasons @> jsonb_build_array(jsonb_build_object('code', $4::text)))
          AND ($5::bigint IS NULL OR thread_id = $5::bigint)
          AND (($6::bigint IS NULL AND $7::text IS NULL AND $8::text IS NULL)
               OR author_user_id = $6::bigint OR lower(author_email) = $7::text OR lower(author_name) = $8::text)
        ORDER BY id DESC LIMIT $9) q
  JOIN threads t ON t.id = q.thread_id
  ORDER BY q.id DESC`,
});

export const selectQueueByStatus = queuePage('parley_queue_by_status', `status = $2::text AND status IN ('pending', 'spam', 'shadowed')`);
/** flagged: published posts with flags; $2 is then 'approved' (flaggedStatus) */
export const selectQueueFlagged = queuePage('parley_queue_flagged', `status = $2::text AND status = 'approved' AND flag_count > 0`);
export const flaggedStatus = 'approved';

/** Queue items by id, in one forum (the realtime changes): $1 ids, $2 forum */
export const selectQueueItems = {
  name: 'parley_queue_items',
  text: `SELECT q.*, t.identifier AS thread_identifier, t.title AS thread_title, t.url AS thread_url
  FROM (SELECT ${postColumns}, author_email FROM posts WHERE id = ANY($1::bigint[]) AND forum_id = $2) q
  JOIN threads t ON t.id = q.thread_id`,
};

/** Which of these posts are the forum's: $1 ids, $2 forum */
export const selectForumPostIds = `SELECT id FROM posts WHERE id = ANY($1::bigint[]) AND forum_id = $2`;

/** A queue row as the post, its thread and the guest's email. */
export const queueRowParts = (r: Record<string, unknown>): { post: PostRecord; thread: QueueThread; authorEmail: string | null } => ({
  post: postFromRow(r),
  thread: { identifier: r.thread_identifier as string, title: (r.thread_title as string | null) ?? null, url: (r.thread_url as string | null) ?? null },
  authorEmail: (r.author_email as string | null) ?? null,
});

const postTypes = moderationLogPostTypes.map((t) => `'${t}'`).join(', ');

/**
 * A page of a forum's moderation log in one database, newest first.
 * $1 forum, $2 types left out, $3 before id, $4 actor, $5 type, $6 the forum's own events
 * (no thread) are read here, $7 post events are read here, $8 limit.
 */
export const selectModerationLog = {
  name: 'parley_moderation_log',
  text: `SELECT ${eventColumns} FROM events
  WHERE forum_id = $1 AND (thread_id IS NULL OR type IN (${postTypes}))
    AND type <> ALL($2::text[])
    AND ($3::bigint IS NULL OR id < $3::bigint)
    AND ($4::text IS NULL OR actor = $4::text)
    AND ($5::text IS NULL OR type = $5::text)
    AND (($6::boolean AND thread_id IS NULL) OR ($7::boolean AND thread_id IS NOT NULL))
  ORDER BY id DESC LIMIT $8`,
};

/**
 * The realtime queue's repair read: a forum's post events past a (txid, id) cursor, only from
 * transactions older than every one still running, so the set is final and the cursor never
 * passes an event that commits later (as the relay reads, docs/adr/0003). Votes aside.
 * $1 forum, $2 cursor txid, $3 cursor event id, $4 limit
 */
export const selectForumPostEventsPast = {
  name: 'parley_queue_events_past',
  text: `SELECT id, txid::text AS txid, post_id, type, actor, at FROM events
  WHERE forum_id = $1 AND post_id IS NOT NULL AND type <> 'VoteCast'
    AND (txid, id) > ($2::xid8, $3::bigint) AND txid < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY txid, id LIMIT $4`,
};

/** Where the repair read starts: every transaction below this has ended. */
export const selectHorizon = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`;
