// Reply-email statements: what the signal handler reads to decide who gets an email, and the
// email log that makes sending at-most-once per event and recipient (and per reply and recipient).
// email_log and email_optouts live in the accounts area; posts and threads in content.
import type { Executor } from '../db.ts';

/** Parents and replies, with the author's email (never in snapshots). $1 post ids */
export const selectPostAuthors = `SELECT id, parent_id, author_user_id, author_name, author_email, notify, status
  FROM posts WHERE id = ANY($1::bigint[])`;

/** $1 thread ids */
export const selectThreadTitles = `SELECT id, title, url, identifier FROM threads WHERE id = ANY($1::bigint[])`;

/** $1 user ids */
export const selectUserEmails = `SELECT id, username, email FROM users WHERE id = ANY($1::bigint[])`;

/** $1 email (lower-cased) */
export const insertOptout = `INSERT INTO email_optouts (email) VALUES ($1) ON CONFLICT (email) DO NOTHING`;

export const selectOptout = `SELECT 1 FROM email_optouts WHERE email = $1`;

/** Why an email was not sent; `unavailable` is the worker's own (no SMTP_URL, no PARLEY_SECRET). */
export type EmailSkipReason = 'opted_out' | 'cap' | 'no_smtp' | 'no_secret';

export type EmailClaim =
  | { send: true; attempts: number }
  | { send: false; status: string; reason: string | null; eventId: string };

/**
 * Claims the right to send one email, in the caller's transaction on the accounts primary. A
 * per-recipient advisory lock serializes claims for one address, so the hourly cap is exact
 * across worker processes. Returns send: true with a row now in `sending`; otherwise the row
 * that already decided (sent, skipped, failed, or sending from a worker that died mid-send:
 * left alone, because the message may have gone out) or was just written as skipped.
 */
export async function claimEmail(
  ex: Executor,
  e: { eventId: string; postId: string; recipient: string; perHour: number; unavailable: 'no_smtp' | 'no_secret' | null },
): Promise<EmailClaim> {
  await ex.query(`SELECT pg_advisory_xact_lock(hashtextextended('parley.email:' || $1, 0))`, [e.recipient]);
  const prior = await ex.query<{ event_id: string; status: string; reason: string | null; retryable: boolean }>(
    `SELECT event_id, status, reason, retryable FROM email_log WHERE recipient = $1 AND (event_id = $2 OR post_id = $3)`,
    [e.recipient, e.eventId, e.postId],
  );
  const row = prior.rows[0];
  const again = row !== undefined && row.event_id === e.eventId && row.status === 'failed' && row.retryable;
  if (row && !again) return { send: false, status: row.status, reason: row.reason, eventId: row.event_id };

  const state = await ex.query<{ opted_out: boolean; recent: number }>(
    `SELECT EXISTS (SELECT 1 FROM email_optouts WHERE email = $1) AS opted_out,
       (SELECT count(*)::int FROM email_log WHERE recipient = $1 AND status IN ('sending', 'sent') AND at > now() - interval '1 hour') AS recent`,
    [e.recipient],
  );
  const { opted_out, recent } = state.rows[0];
  const skip: EmailSkipReason | null = opted_out ? 'opted_out' : recent >= e.perHour ? 'cap' : e.unavailable;
  const status = skip ? 'skipped' : 'sending';
  if (again) {
    const { rows } = await ex.query<{ attempts: number }>(
      `UPDATE email_log SET status = $3, reason = $4, retryable = false, attempts = attempts + 1, at = now()
        WHERE event_id = $1 AND recipient = $2 RETURNING attempts`,
      [e.eventId, e.recipient, status, skip],
    );
    return skip ? { send: false, status, reason: skip, eventId: e.eventId } : { send: true, attempts: rows[0].attempts };
  }
  await ex.query(`INSERT INTO email_log (event_id, post_id, recipient, status, reason) VALUES ($1, $2, $3, $4, $5)`, [
    e.eventId,
    e.postId,
    e.recipient,
    status,
    skip,
  ]);
  return skip ? { send: false, status, reason: skip, eventId: e.eventId } : { send: true, attempts: 1 };
}

/** Records how a claimed send ended; only a row still in `sending` changes. */
export const finishEmail = `UPDATE email_log SET status = $3, reason = $4, retryable = $5, at = now()
  WHERE event_id = $1 AND recipient = $2 AND status = 'sending'`;
