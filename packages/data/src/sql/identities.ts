// OpenID Connect: sign-ins under way (oidc_flows) and the provider identities of Parley accounts
// (user_identities), in the accounts area beside users and sessions; and a forum's own provider,
// in the forums area.
import { forumColumns } from './forums.ts';

/** what userFromRow reads, and the profile columns an identity keeps up to date */
const userColumns = 'u.id, u.username, u.created_at, u.sso_forum_id, u.avatar_url, u.display_name, u.email_verified_at';

/**
 * A sign-in begins: $1 state hash, $2 browser hash, $3 provider id, $4 forum id, $5 mode,
 * $6 PKCE verifier, $7 nonce, $8 return URL (redirect mode), $9 seconds it may take.
 */
export const insertFlow = `INSERT INTO oidc_flows (state_hash, browser_hash, provider, forum_id, mode, code_verifier, nonce, return_to, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`;

/**
 * The provider sent the browser back: the flow named by $1 (state hash) ends here, whatever
 * follows, so the same callback can never be used twice. `live` is false once it has expired.
 */
export const takeFlow = `DELETE FROM oidc_flows WHERE state_hash = $1
  RETURNING browser_hash, provider, forum_id::text, mode, code_verifier, nonce, return_to, expires_at > now() AS live`;

/**
 * Flows abandoned long ago (an hour past their end: until then a late callback is told "expired")
 * and handoffs never redeemed, a batch of each at a time.
 */
export const deleteStaleFlows = `WITH flows AS (
    DELETE FROM oidc_flows WHERE state_hash IN (
      SELECT state_hash FROM oidc_flows WHERE expires_at < now() - interval '1 hour' LIMIT 100))
  DELETE FROM oidc_handoffs WHERE code_hash IN (
    SELECT code_hash FROM oidc_handoffs WHERE expires_at < now() - interval '1 hour' LIMIT 100)`;

/** Redirect mode: $1 code hash, $2 user id, $3 seconds it may wait to be redeemed */
export const insertHandoff = `INSERT INTO oidc_handoffs (code_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`;

/** The code named by $1 (its hash) is redeemed here, once; no row when it is unknown, used or expired. */
export const takeHandoff = `WITH taken AS (DELETE FROM oidc_handoffs WHERE code_hash = $1 RETURNING user_id, expires_at > now() AS live)
  SELECT ${userColumns} FROM taken JOIN users u ON u.id = taken.user_id WHERE taken.live`;

/**
 * A known identity whose provider profile changed: the identity and its account follow it, in one
 * statement. $1 issuer, $2 subject, $3 verified email (null: none), $4 name, $5 picture.
 * No row when nothing changed (or the identity is new).
 */
export const updateIdentity = `WITH changed AS (
    UPDATE user_identities SET email = $3, name = $4, picture = $5, updated_at = now()
    WHERE issuer = $1 AND subject = $2 AND (email, name, picture) IS DISTINCT FROM ($3::text, $4::text, $5::text)
    RETURNING user_id)
  UPDATE users u SET
    display_name = $4,
    avatar_url = $5,
    email = coalesce($3, u.email),
    email_verified_at = CASE WHEN $3 IS NULL THEN u.email_verified_at WHEN lower(u.email) = lower($3) THEN coalesce(u.email_verified_at, now()) ELSE now() END
  FROM changed WHERE u.id = changed.user_id
  RETURNING ${userColumns}`;

/** $1 issuer, $2 subject: the account the identity reaches */
export const selectIdentityUser = `SELECT ${userColumns} FROM user_identities i JOIN users u ON u.id = i.user_id
  WHERE i.issuer = $1 AND i.subject = $2`;

/**
 * A new Parley account for a new identity, without a password: $1 username, $2 verified email
 * ('' when the provider vouches for none), $3 display name, $4 picture. No row when the username
 * is taken (the caller tries another).
 */
export const insertIdentityUser = `INSERT INTO users AS u (username, email, display_name, avatar_url, email_verified_at)
  VALUES ($1, $2, $3, $4, CASE WHEN $2 = '' THEN NULL ELSE now() END)
  ON CONFLICT DO NOTHING
  RETURNING ${userColumns}`;

/**
 * $1 issuer, $2 subject, $3 user id, $4 provider id, $5 email, $6 name, $7 picture. No row when a
 * sign-in of the same new identity linked it first (the caller rolls back and reads that one).
 */
export const insertIdentity = `INSERT INTO user_identities (issuer, subject, user_id, provider, email, name, picture)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (issuer, subject) DO NOTHING RETURNING user_id`;

/** A forum's own provider, secret included (forums area; read fresh, never cached): $1 forum id */
export const selectForumProvider = 'SELECT oidc_issuer, oidc_client_id, oidc_client_secret, oidc_name FROM forums WHERE id = $1';

/** Whether a forum has a provider of its own, and its button's name (no secret): $1 forum id */
export const selectForumProviderName = 'SELECT oidc_issuer IS NOT NULL AS configured, oidc_name FROM forums WHERE id = $1';

/**
 * $1 forum id, $2 issuer, $3 client id, $4 client secret, $5 button name (all null: none). The
 * forum comes back (without any of it) for the change's event.
 */
export const setForumProvider = `UPDATE forums SET oidc_issuer = $2, oidc_client_id = $3, oidc_client_secret = $4, oidc_name = $5, updated_at = now()
  WHERE id = $1 RETURNING ${forumColumns}`;
