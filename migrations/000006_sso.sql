-- Single sign-on (issue 14). A forum may hold the secret its site signs `remote_auth_s3` values
-- with (Disqus-compatible). A user signed in that way is the forum's own: `sso_forum_id` and the
-- site's id of the user (`sso_id`) name it, it has no password, and its name is the site's, so
-- usernames stay unique only among Parley's own accounts.
ALTER TABLE forums ADD COLUMN sso_secret text;

ALTER TABLE users
  ALTER COLUMN password_hash DROP NOT NULL,
  ADD COLUMN sso_forum_id bigint,
  ADD COLUMN sso_id       text,
  ADD COLUMN avatar_url   text,
  ADD COLUMN profile_url  text,
  ADD CONSTRAINT users_sso_shape CHECK ((sso_forum_id IS NULL) = (sso_id IS NULL) AND (sso_forum_id IS NOT NULL OR password_hash IS NOT NULL));

DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_username_key ON users (lower(username)) WHERE sso_forum_id IS NULL;
CREATE UNIQUE INDEX users_sso_key ON users (sso_forum_id, sso_id) WHERE sso_forum_id IS NOT NULL;
