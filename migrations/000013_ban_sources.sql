-- A ban made from a comment ("ban the author of this post"): the post it came from. Its value is
-- the author's email or address, which moderators never see (their views of comments carry
-- neither), so a ban with a source post shows the post instead of the value.
ALTER TABLE bans ADD COLUMN post_id bigint;
-- the list of a forum's bans in force, newest first
CREATE INDEX bans_forum_active_idx ON bans (forum_id, id) WHERE lifted_at IS NULL;
