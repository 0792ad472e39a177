export const forumColumns = 'id, slug, name, settings, shard, post_count, pending_count, created_at';
export const insertForum = `INSERT INTO forums (slug, name, settings, moderator_key_hash, shard) VALUES ($1, $2, $3, $4, $5)
  RETURNING ${forumColumns}`;
export const selectForumBySlug = `SELECT ${forumColumns} FROM forums WHERE slug = $1`;
export const selectForumById = `SELECT ${forumColumns} FROM forums WHERE id = $1`;
export const selectForumByKey = `SELECT ${forumColumns} FROM forums WHERE moderator_key_hash = $1`;
/** Settings change by jsonb merge in the statement itself: no read-modify-write. */
export const updateForum = `UPDATE forums SET name = coalesce($2, name), settings = settings || $3::jsonb, updated_at = now()
  WHERE slug = $1 RETURNING ${forumColumns}`;

/** A forum's single sign-on secret (never among forumColumns: it is never sent or cached) */
export const selectSsoSecret = 'SELECT sso_secret FROM forums WHERE id = $1';
/** $1 forum id, $2 the new secret: the forum comes back (without it) for the change's event */
export const setSsoSecret = `UPDATE forums SET sso_secret = $2, updated_at = now() WHERE id = $1 RETURNING ${forumColumns}`;
