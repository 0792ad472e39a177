-- Issue 15: the moderation queue and the moderation log.
--
-- The flagged queue: a forum's published posts that readers flagged, newest first. (The held,
-- spam and shadowed queues use migration 12's posts_forum_queue_idx.) Partial: only flagged
-- posts are in it, so it costs the write path nothing.
CREATE INDEX posts_forum_flagged_idx ON posts (forum_id, id) WHERE status = 'approved' AND flag_count > 0;

-- The moderation log: a forum's own events (settings, roles, bans: no thread) and its posts'
-- moderation transitions, newest first. Partial, so that the bulk of the log (new posts, edits,
-- votes) is not indexed here; the log's statement repeats this predicate word for word, so that
-- the planner can use the index (packages/data/src/sql/queue.ts).
CREATE INDEX events_moderation_log_idx ON events (forum_id, id)
  WHERE thread_id IS NULL OR type IN ('PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored', 'PostHeld', 'PostShadowed');
