// Links of a user a site signed in (single sign-on) to another forum (accounts database): the admin
// lets forum A's SSO user take part in forum B. A request's links come back with its session
// (users.ts, selectSessionUser), in the same query.
import type { UserForumLink } from '@parley/domain';

type Row = Record<string, unknown>;

const linkColumns = 'user_id::text, forum_id::text, linked_by, created_at';

export const linkFromRow = (r: Row): UserForumLink => ({
  userId: r.user_id as string,
  forumId: r.forum_id as string,
  linkedBy: r.linked_by as string,
  createdAt: r.created_at as Date,
});

/**
 * $1 user id, $2 forum id, $3 linked by (actor label): links a user a site signed in to a forum
 * other than its own. No row for a missing user, a Parley account (it takes part everywhere), the
 * user's own forum, or a link that exists already (`selectLinkTarget` tells them apart).
 */
export const insertLink = `INSERT INTO user_forum_links (user_id, forum_id, linked_by)
  SELECT u.id, $2, $3 FROM users u WHERE u.id = $1 AND u.sso_forum_id IS NOT NULL AND u.sso_forum_id <> $2
  ON CONFLICT (user_id, forum_id) DO NOTHING
  RETURNING ${linkColumns}`;

/** $1 user id, $2 forum id: the removed link */
export const deleteLink = `DELETE FROM user_forum_links WHERE user_id = $1 AND forum_id = $2 RETURNING ${linkColumns}`;

/** $1 user id, $2 forum id: why a link touched nothing (fresh, on the primary) */
export const selectLinkTarget = `SELECT u.sso_forum_id::text, l.user_id::text AS linked_user, l.linked_by, l.created_at
  FROM users u LEFT JOIN user_forum_links l ON l.user_id = u.id AND l.forum_id = $2 WHERE u.id = $1`;

/** $1 user id: the user's links, oldest first */
export const selectUserLinks = `SELECT ${linkColumns} FROM user_forum_links WHERE user_id = $1 ORDER BY created_at, forum_id`;
