export const insertUser = `INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id, username, created_at`;
export const selectUserForLogin = `SELECT id, username, password_hash, created_at FROM users WHERE lower(username) = lower($1)`;
export const insertSession = `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => $3))`;
export const selectSessionUser = `SELECT u.id, u.username, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_hash = $1 AND s.expires_at > now()`;

/** Public profiles of a page's authors, in one query by the set of ids (a join done in code): $1 user ids */
export const selectProfiles = {
  name: 'parley_select_profiles',
  text: 'SELECT id::text, username, post_count, created_at FROM users WHERE id = ANY($1::bigint[])',
};
