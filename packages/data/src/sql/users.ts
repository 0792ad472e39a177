/** The columns a User is made of (userFromRow); never the email or the password hash. */
export const userColumns = 'id, username, created_at, sso_forum_id, avatar_url, display_name, email_verified_at';

export const insertUser = `INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING ${userColumns}`;
/** Parley's own accounts only: an SSO user has no password, and its name is its site's */
export const selectUserForLogin = `SELECT ${userColumns}, password_hash FROM users WHERE lower(username) = lower($1) AND sso_forum_id IS NULL`;
export const insertSession = `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => $3))`;
/**
 * A session's user, with its roles per forum (`roles`: "<forum id>:<role>" texts, read by
 * access/roles.ts) and the forums the admin linked it to (`linked_forums`: forum ids, for a user
 * a site signed in) in the same query.
 */
const sessionUser = `SELECT ${userColumns.split(', ').map((c) => `u.${c}`).join(', ')},
    ARRAY(SELECT r.forum_id || ':' || r.role FROM forum_roles r WHERE r.user_id = u.id) AS roles,
    ARRAY(SELECT l.forum_id::text FROM user_forum_links l WHERE l.user_id = u.id) AS linked_forums, s.token_hash
  FROM sessions s JOIN users u ON u.id = s.user_id`;
/** $1 a token hash */
export const selectSessionUser = `${sessionUser} WHERE s.token_hash = $1 AND s.expires_at > now()`;
/** $1 token hashes: the sessions of these that still hold (realtime's revalidation: one query for a node's sockets) */
export const selectSessionUsers = `${sessionUser} WHERE s.token_hash = ANY($1::bytea[]) AND s.expires_at > now()`;

/** Public profiles of a page's authors, in one query by the set of ids (a join done in code): $1 user ids */
export const selectProfiles = {
  name: 'parley_select_profiles',
  text: 'SELECT id::text, username, post_count, created_at, avatar_url FROM users WHERE id = ANY($1::bigint[])',
};

/**
 * A forum's SSO user, created or brought up to date from its site's data in one statement:
 * $1 username, $2 email, $3 forum id, $4 the site's user id, $5 avatar URL, $6 profile URL.
 * No row when nothing changed (selectSsoUser then reads it); `inserted` says which it was.
 */
export const upsertSsoUser = `INSERT INTO users (username, email, sso_forum_id, sso_id, avatar_url, profile_url)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (sso_forum_id, sso_id) WHERE sso_forum_id IS NOT NULL DO UPDATE
    SET username = EXCLUDED.username, email = EXCLUDED.email, avatar_url = EXCLUDED.avatar_url, profile_url = EXCLUDED.profile_url
    WHERE (users.username, users.email, users.avatar_url, users.profile_url)
      IS DISTINCT FROM (EXCLUDED.username, EXCLUDED.email, EXCLUDED.avatar_url, EXCLUDED.profile_url)
  RETURNING ${userColumns}, (xmax = 0) AS inserted`;
export const selectSsoUser = `SELECT ${userColumns} FROM users WHERE sso_forum_id = $1 AND sso_id = $2`;

/** A session's public id: the first 12 bytes of its token hash (the token itself is never stored). */
export const SESSION_ID_BYTES = 12;
/** $1 user id: the user's sessions that have not expired, newest first */
export const selectSessions = `SELECT token_hash, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > now() ORDER BY created_at DESC, token_hash`;
/** $1 user id, $2 a session id (the hash's first bytes): that session ends */
export const deleteSessionById = `DELETE FROM sessions WHERE user_id = $1 AND substring(token_hash FROM 1 FOR ${SESSION_ID_BYTES}) = $2 RETURNING 1`;
/** $1 user id: every session of the user ends (log out everywhere) */
export const deleteSessions = 'DELETE FROM sessions WHERE user_id = $1';
/** $1 user id, $2 the new hash, $3 the hash the login verified: replaced only if still that one */
export const rehashPassword = 'UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3';
