// Account statements: profiles, the one-time links of account emails (account_tokens) and their
// at-most-once log (account_email_log). All in the accounts area.
import { userColumns } from './users.ts';

/** The signed-in user's own account: $1 user id */
export const selectAccount = `SELECT ${userColumns}, email FROM users WHERE id = $1`;

/** $1 user id */
export const selectPasswordHash = `SELECT password_hash FROM users WHERE id = $1 AND sso_forum_id IS NULL`;

/** Parley's own accounts at an address (a reset mails each): $1 email */
export const selectLocalAccountsByEmail = `SELECT id, username, email FROM users
  WHERE lower(email) = lower($1) AND sso_forum_id IS NULL ORDER BY id LIMIT 20`;

/**
 * A profile change of one of Parley's own accounts (an SSO user's profile is its site's: no row).
 * $1 user id; $2/$3 set the display name?/to; $4/$5 set the avatar?/to; $6 a new email or null.
 * A new address is unverified; the same address (any case) keeps its state.
 */
export const updateProfile = `UPDATE users SET
    display_name = CASE WHEN $2::boolean THEN $3::text ELSE display_name END,
    avatar_url = CASE WHEN $4::boolean THEN $5::text ELSE avatar_url END,
    email = coalesce($6::text, email),
    email_verified_at = CASE WHEN $6::text IS NOT NULL AND lower($6::text) <> lower(email) THEN NULL ELSE email_verified_at END
  WHERE id = $1 AND sso_forum_id IS NULL
  RETURNING ${userColumns}, email`;

/** $1 id, $2 kind, $3 user id, $4 email, $5 data, $6 seconds to live */
export const insertToken = `INSERT INTO account_tokens (id, kind, user_id, email, data, expires_at)
  VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING expires_at`;

/** Uses a link once: $1 id, $2 kind. No row: unknown, used, expired, or of another kind. */
export const redeemToken = `UPDATE account_tokens SET used_at = now()
  WHERE id = $1 AND kind = $2 AND used_at IS NULL AND expires_at > now()
  RETURNING user_id::text, email, data`;

/** The other open links of a kind for a user end too (a reset used, a newer verification sent): $1 user id, $2 kind */
export const expireTokens = `UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND kind = $2 AND used_at IS NULL`;

/** The address a link was sent to is proven, if it is still the account's: $1 user id, $2 that address */
export const markEmailVerified = `UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
  WHERE id = $1 AND lower(email) = lower($2) RETURNING ${userColumns}`;

/**
 * A new password by a reset link mailed to $3, only while that is still the account's address (a
 * link to an address the account has left opens nothing); the address is proven by it too.
 * $1 user id, $2 new hash, $3 the address the link went to.
 */
export const resetPassword = `UPDATE users SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now())
  WHERE id = $1 AND sso_forum_id IS NULL AND lower(email) = lower($3) RETURNING ${userColumns}`;

/**
 * Claims the sending of one account email (one row per event): $1 event id, $2 kind, $3 token id,
 * $4 recipient, $5 why the worker cannot send (no_smtp, no_secret) or null, $6 the user (or null). A link already used
 * or expired is not worth sending (skipped). The row becomes `sending` (the caller sends),
 * `skipped`, or stays as it was decided before (no row returned: nothing to do), except a
 * retryable failure, which is claimed again.
 */
export const claimAccountEmail = `WITH decision AS (
    SELECT CASE WHEN $5::text IS NOT NULL THEN $5::text
      WHEN NOT EXISTS (SELECT 1 FROM account_tokens WHERE id = $3 AND used_at IS NULL AND expires_at > now()) THEN 'link_spent'
      END AS reason)
  INSERT INTO account_email_log (event_id, kind, token_id, user_id, recipient, status, reason)
  SELECT $1, $2, $3, $6, $4, CASE WHEN reason IS NULL THEN 'sending' ELSE 'skipped' END, reason FROM decision
  ON CONFLICT (event_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, retryable = false,
      attempts = account_email_log.attempts + 1, at = now()
    WHERE account_email_log.status = 'failed' AND account_email_log.retryable
  RETURNING status, reason`;

/** $1 event id, $2 status, $3 reason, $4 retryable */
export const finishAccountEmail = `UPDATE account_email_log SET status = $2, reason = $3, retryable = $4, at = now()
  WHERE event_id = $1 AND status = 'sending'`;
