// Invitations to a forum role, as their owners see them: account links (account_tokens) of kind
// `forum_invite`, whose data names the forum, the role and the inviter. A list never shows the
// link: the row id is half of it, so an invitation is named by a digest of the id instead (its
// first INVITE_ID_BYTES bytes of SHA-256, base64url), as a session is by its hash's first bytes.

/** An invitation's public id: this many bytes of sha256(row id). */
export const INVITE_ID_BYTES = 12;

/** the public id's bytes (the API shows them base64url) */
const publicId = `substring(sha256(convert_to(id, 'UTF8')) FROM 1 FOR ${INVITE_ID_BYTES})`;

const inviteColumns = `${publicId} AS public_id, email, data ->> 'role' AS role, data ->> 'invitedBy' AS invited_by,
  created_at, expires_at, used_at, cancelled_at`;

/** $1 forum id, $2 at most this many: the forum's invitations, newest first */
export const selectForumInvites = `SELECT ${inviteColumns} FROM account_tokens
  WHERE kind = 'forum_invite' AND data ->> 'forumId' = $1::text ORDER BY created_at DESC, id LIMIT $2`;

/**
 * $1 forum id, $2 the public id's bytes: cancels the invitation if it is still open. It is marked
 * used as well, so the statement that redeems links refuses it (accounts.ts, redeemToken).
 */
export const cancelInvite = `UPDATE account_tokens SET cancelled_at = now(), used_at = now()
  WHERE kind = 'forum_invite' AND data ->> 'forumId' = $1::text
    AND substring(sha256(convert_to(id, 'UTF8')) FROM 1 FOR ${INVITE_ID_BYTES}) = $2
    AND used_at IS NULL AND expires_at > now()
  RETURNING ${inviteColumns}`;
