// Roles per forum (accounts database), and the forum's shared moderator key (forums database).
// A request's roles come back with its session (users.ts, selectSessionUser), in the same query.
import type { ForumRoleRecord } from '@parley/domain';

type Row = Record<string, unknown>;

const roleColumns = 'forum_id::text, user_id::text, role, granted_by, created_at';

export const roleFromRow = (r: Row): ForumRoleRecord => ({
  forumId: r.forum_id as string,
  userId: r.user_id as string,
  role: r.role as ForumRoleRecord['role'],
  grantedBy: r.granted_by as string,
  createdAt: r.created_at as Date,
});

/** $1 forum id: its roles with each account's name, owners first */
export const selectForumRoles = `SELECT r.forum_id::text, r.user_id::text, r.role, r.granted_by, r.created_at, u.username
  FROM forum_roles r JOIN users u ON u.id = r.user_id WHERE r.forum_id = $1 ORDER BY r.role DESC, r.created_at, r.user_id`;

/**
 * $1 forum id, $2 user id, $3 role, $4 granted by (actor label). Only a Parley account gets one
 * (no row for a missing user or one a site signed in); a role it already has changes nothing (no
 * row either: `selectRole` tells the two apart). Another role replaces the current one, unless
 * $5 (the owner demotes itself) and it is the forum's last owner: the owners are locked first, so
 * two owners stepping down at once cannot both leave.
 */
export const grantRole = `WITH owners AS (SELECT user_id FROM forum_roles WHERE forum_id = $1 AND role = 'owner' FOR UPDATE)
  INSERT INTO forum_roles (forum_id, user_id, role, granted_by)
  SELECT $1, u.id, $3, $4 FROM users u WHERE u.id = $2 AND u.sso_forum_id IS NULL
  ON CONFLICT (forum_id, user_id) DO UPDATE SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by, created_at = now()
    WHERE forum_roles.role <> EXCLUDED.role
      AND NOT ($5 AND forum_roles.role = 'owner' AND (SELECT count(*) FROM owners) <= 1)
  RETURNING ${roleColumns}`;

/** $1 forum id, $2 user id, $3 the role must leave an owner (the owner removes itself): the removed role */
export const revokeRole = `WITH owners AS (SELECT user_id FROM forum_roles WHERE forum_id = $1 AND role = 'owner' FOR UPDATE)
  DELETE FROM forum_roles r WHERE r.forum_id = $1 AND r.user_id = $2
    AND NOT ($3 AND r.role = 'owner' AND (SELECT count(*) FROM owners) <= 1)
  RETURNING ${roleColumns}`;

/** $1 forum id, $2 user id: why a grant or a revocation touched nothing (fresh, on the primary) */
export const selectRole = `SELECT u.id::text AS user_id, u.sso_forum_id, r.role FROM users u
  LEFT JOIN forum_roles r ON r.user_id = u.id AND r.forum_id = $1 WHERE u.id = $2`;

/** $1 forum id, $2 the new key's hash: the old key stops matching in this statement; its hash comes back (`old_key_hash`) so caches can drop it */
export const setModeratorKey = `UPDATE forums f SET moderator_key_hash = $2, updated_at = now()
  FROM (SELECT id, moderator_key_hash FROM forums WHERE id = $1 FOR UPDATE) old WHERE f.id = old.id
  RETURNING f.id, f.slug, f.name, f.settings, f.shard, f.post_count, f.pending_count, f.created_at, old.moderator_key_hash AS old_key_hash`;

/** $1 moderator key hashes: the forum each still opens (realtime's re-check of its moderator subscriptions: one query for a node's keys) */
export const selectKeyForums = 'SELECT id::text, moderator_key_hash FROM forums WHERE moderator_key_hash = ANY($1::bytea[])';

/** $1 forum id, $2 seconds: records the key's use unless a use within that many seconds is recorded already */
export const touchModeratorKey = `UPDATE forums SET moderator_key_used_at = now()
  WHERE id = $1 AND (moderator_key_used_at IS NULL OR moderator_key_used_at < now() - make_interval(secs => $2))`;

/** $1 forum id */
export const selectModeratorKeyUse = 'SELECT moderator_key_used_at FROM forums WHERE id = $1';
