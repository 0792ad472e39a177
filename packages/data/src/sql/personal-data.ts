// Personal data (docs/adr/0011): the statements of an export (keyset pages, so a person with
// 100,000 posts is read a page at a time) and of an erasure (one conditional statement per post,
// the account's rows deleted in one transaction, snapshots rewritten under a row lock).
import { postColumns } from './rows.ts';

/** Rows per page of an export or an erasure step. */
export const PAGE_SIZE = 500;

// ---- export

/** $1 user id: the account as stored, minus anything that is a secret (hashes); ids as text (JSON numbers lose bigints) */
export const selectAccount = `SELECT to_jsonb(u) - 'password_hash' || jsonb_build_object('id', u.id::text, 'sso_forum_id', u.sso_forum_id::text) AS account FROM users u WHERE id = $1`;

/** $1 user id: every session still valid, by its hash (turned into its public id by the caller) */
export const selectSessions = `SELECT token_hash, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > now() ORDER BY created_at, token_hash`;

/** $1 user id, $2 guest address (lower-cased), $3 after post id, $4 limit: the person's posts on one shard, by id */
export const selectAuthorPosts = `SELECT ${postColumns}, author_email FROM posts
  WHERE (($1::bigint IS NOT NULL AND author_user_id = $1) OR ($2::text IS NOT NULL AND author_user_id IS NULL AND lower(author_email) = $2))
    AND id > $3 ORDER BY id LIMIT $4`;

/** $1 post ids, $2 event types: the revisions of a page of posts (their creation and edit snapshots) */
export const selectRevisions = `SELECT id, post_id, type, schema_version, at, snapshot FROM events
  WHERE post_id = ANY($1::bigint[]) AND type = ANY($2::text[]) ORDER BY post_id, id`;

/** $1 voter (`u:<id>`), $2 after post id, $3 limit */
export const selectVotes = `SELECT post_id, value, created_at, updated_at FROM votes WHERE voter = $1 AND post_id > $2 ORDER BY post_id LIMIT $3`;
/** A signed-in reader's reports (flags), $1 `user:<id>` */
export const selectReports = `SELECT post_id, reason, note, created_at FROM post_flags WHERE reporter = $1 AND post_id > $2 ORDER BY post_id LIMIT $3`;

/** $1 address (lower-cased), $2 after id, $3 limit: reply emails to the address */
export const selectEmailLog = `SELECT id, event_id, post_id, status, reason, at FROM email_log WHERE recipient = $1 AND id > $2 ORDER BY id LIMIT $3`;

/** $1 address (lower-cased), $2 user id (or null): account emails to the address or about the account (links, never their tokens) */
export const selectAccountEmailLog = `SELECT event_id, kind, status, reason, at FROM account_email_log WHERE lower(recipient) = $1 OR user_id = $2 ORDER BY event_id`;

/** $1 address (lower-cased) */
export const selectOptouts = `SELECT email, at FROM email_optouts WHERE email = $1`;

// ---- erasure: the account (one transaction, accounts area)

/**
 * What re-authentication needs: $1 user id, $2 the request's session hash, $3 minutes. The
 * password hash, and whether that session began within the minutes (an account without a
 * password proves itself by a fresh sign-in).
 */
export const selectReauthFacts = `SELECT u.password_hash, s.created_at > now() - make_interval(mins => $3) AS recent
  FROM users u JOIN sessions s ON s.user_id = u.id WHERE u.id = $1 AND s.token_hash = $2`;

/** $1 user id: the account's sign-in identities go (before the account, so what they held is scrubbed too) */
export const deleteIdentities = `DELETE FROM user_identities WHERE user_id = $1 RETURNING email, name, picture`;

/** $1 user id: identities and roles, for the export */
export const selectIdentities = `SELECT to_jsonb(i) || jsonb_build_object('user_id', i.user_id::text) AS row FROM user_identities i WHERE user_id = $1 ORDER BY created_at`;
export const selectRoles = `SELECT to_jsonb(r) || jsonb_build_object('forum_id', r.forum_id::text, 'user_id', r.user_id::text) AS row FROM forum_roles r WHERE user_id = $1 ORDER BY forum_id`;

/** $1 user id: the account goes (its sessions, identities and roles with it, by cascade); what it held comes back to scrub */
/**
 * $1 user id: the account's one-time links, locked before the account row. Redeeming a link locks
 * the link, then the account; deleting the account locks the account, then (by the cascade) its
 * links. Taking the links first here gives both the same order, so a link followed while its
 * account is deleted waits or is refused, never deadlocks (seen once in the fuzzer as a 500).
 */
export const lockAccountTokens = `SELECT id FROM account_tokens WHERE user_id = $1 ORDER BY id FOR UPDATE`;

export const deleteUser = `DELETE FROM users WHERE id = $1
  RETURNING username, email, display_name, avatar_url, profile_url`;

/** $1 user id, $2 address (lower-cased): the account's one-time links, and the log of the mails about it (to older addresses too) */
export const deleteAccountTokens = `DELETE FROM account_tokens WHERE user_id = $1 OR lower(email) = $2`;
export const deleteAccountEmailLogOfUser = `DELETE FROM account_email_log WHERE user_id = $1`;

/** $1 address (lower-cased): the mail logs and the opt-out of the address */
export const deleteEmailTraces = [
  `DELETE FROM email_log WHERE recipient = $1`,
  `DELETE FROM account_email_log WHERE lower(recipient) = $1`,
  `DELETE FROM email_optouts WHERE email = $1`,
];

/** $1 user id (or null), $2 guest address (or null), $3 values to scrub */
export const insertErasure = `INSERT INTO erasures (user_id, email, scrub) VALUES ($1, $2, $3) RETURNING id`;

// ---- erasure: the job

export const selectErasure = `SELECT id, user_id, email, scrub, status, posts_done, events_rewritten FROM erasures WHERE id = $1`;

/** $1 erasure id, $2 posts taken, $3 snapshots rewritten */
export const addErasureProgress = `UPDATE erasures SET posts_done = posts_done + $2, events_rewritten = events_rewritten + $3 WHERE id = $1`;

/** $1 erasure id: done, and nothing personal left in the row */
export const finishErasure = `UPDATE erasures SET status = 'done', finished_at = now(), email = NULL, scrub = '{}' WHERE id = $1 AND status = 'running'
  RETURNING posts_done, events_rewritten`;

/** $1 user id, $2 guest address: the ids and forums of the next posts still to take on a shard */
export const selectPostsToErase = `SELECT id, forum_id FROM posts
  WHERE (($1::bigint IS NOT NULL AND author_user_id = $1) OR ($2::text IS NOT NULL AND author_user_id IS NULL AND lower(author_email) = $2))
  ORDER BY id LIMIT $3`;

/**
 * One post taken from its erased author, if it is still theirs: $1 id, $2 user id, $3 guest
 * address, $4 the erased name, $5 remove (blank the text and delete the post) or keep it.
 */
export const erasePostAuthor = `UPDATE posts SET author_name = $4, author_user_id = NULL, author_email = NULL, author_ip = NULL, edit_token_hash = NULL, notify = false,
    prev_status = CASE WHEN $5 THEN status ELSE prev_status END,
    status = CASE WHEN $5 THEN 'deleted' ELSE status END,
    status_changed_at = CASE WHEN $5 THEN now() ELSE status_changed_at END,
    message = CASE WHEN $5 THEN '' ELSE message END,
    html = CASE WHEN $5 THEN '' ELSE html END
  WHERE id = $1 AND (($2::bigint IS NOT NULL AND author_user_id = $2) OR ($3::text IS NOT NULL AND author_user_id IS NULL AND lower(author_email) = $3))
  RETURNING ${postColumns}`;

/** $1 a reporter (`user:<id>`): the reader's flags on one shard (issue 15) */
export const deleteReporterFlags = 'DELETE FROM post_flags WHERE reporter = $1';

/** $1 post id, $2 the event just appended (already clean): the post's other events, locked until the rewrite commits */
export const lockPostEvents = `SELECT id, type, schema_version, snapshot FROM events WHERE post_id = $1 AND id <> $2 ORDER BY id FOR UPDATE`;

/** $1 after id, $2 limit: forum and account events (no thread), a page at a time, locked until their rewrite commits */
export const selectUnthreadedEvents = `SELECT id, type, schema_version, snapshot FROM events WHERE thread_id IS NULL AND id > $1 ORDER BY id LIMIT $2 FOR UPDATE`;

/** $1 ids, $2 new snapshots: the scrubbed snapshots replace the old ones */
export const rewriteSnapshots = `UPDATE events e SET snapshot = v.snapshot FROM unnest($1::bigint[], $2::bytea[]) AS v(id, snapshot) WHERE e.id = v.id`;


// ---- a guest's requests (by a link mailed to the address on their comments)

/** $1 address (lower-cased): the name on the latest comment a guest left under it, on one shard */
export const selectGuestName = `SELECT author_name FROM posts WHERE author_user_id IS NULL AND lower(author_email) = $1 ORDER BY id DESC LIMIT 1`;

/** $1 address (lower-cased), $2 link kind, $3 minutes: was such a link mailed to it lately (one per address and window) */
export const selectRecentGuestLink = `SELECT 1 FROM account_tokens WHERE user_id IS NULL AND lower(email) = $1 AND kind = $2 AND created_at > now() - make_interval(mins => $3) LIMIT 1`;

/** $1 address (lower-cased): a guest's links (never an account's, whose address may be the same) */
export const deleteGuestTokens = `DELETE FROM account_tokens WHERE user_id IS NULL AND lower(email) = $1`;
