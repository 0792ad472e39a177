// Statements of bans (forums database) and of the retroactive job's walk over a banned author's
// posts (content shards). A forum's bans are `forum_id = $1`; the instance's are `forum_id IS NULL`,
// chosen by a null $1 (`scope` below), so one statement serves both.
import type { BanRecord, RetroStatus } from '@parley/domain';
import { postColumns } from './rows.ts';

type Row = Record<string, unknown>;

const banColumns = `id, forum_id, kind, value, post_id, mode, reason, expires_at, created_by, created_at, lifted_at, lifted_by,
  retroactive, retro_status, retro_hidden, retro_total`;

/** $1 forum id, or null for the instance's bans */
const scope = `(forum_id = $1::bigint OR ($1::bigint IS NULL AND forum_id IS NULL))`;
const inForce = `lifted_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;

/** The stored row; `value` as stored (views and events hide what moderators may not see). */
export const banFromRow = (r: Row): BanRecord => ({
  id: String(r.id),
  forumId: r.forum_id === null ? null : String(r.forum_id),
  kind: r.kind as BanRecord['kind'],
  value: r.value as string,
  postId: r.post_id === null ? null : String(r.post_id),
  mode: r.mode as BanRecord['mode'],
  reason: r.reason as string,
  expiresAt: (r.expires_at as Date | null) ?? null,
  createdBy: r.created_by as string,
  createdAt: r.created_at as Date,
  liftedAt: (r.lifted_at as Date | null) ?? null,
  liftedBy: (r.lifted_by as string | null) ?? null,
  retroactive: r.retroactive as boolean,
  retro: r.retro_status === null ? null : { status: r.retro_status as RetroStatus, hidden: r.retro_hidden as number, total: (r.retro_total as number | null) ?? null },
});

/**
 * Serialises the creation of bans in one scope for the rest of the transaction, so that the
 * count under the cap cannot be passed by two creations at once. $1 forum id or null.
 */
export const lockBanScope = `SELECT pg_advisory_xact_lock(hashtextextended('parley.bans:' || COALESCE($1::text, 'instance'), 0))`;

/**
 * A new ban, only while the scope has fewer than $11 in force. $1 forum (null: instance), $2 kind,
 * $3 value, $4 net (ip and range: the value; else null), $5 source post, $6 mode, $7 reason,
 * $8 expires at, $9 created by, $10 retroactive, $11 the cap.
 */
export const insertBan = `INSERT INTO bans (forum_id, kind, value, net, post_id, mode, reason, expires_at, created_by, retroactive, retro_status)
  SELECT $1::bigint, $2, $3, $4::cidr, $5::bigint, $6, $7, $8::timestamptz, $9, $10::boolean, CASE WHEN $10::boolean THEN 'queued' END
  WHERE (SELECT count(*) FROM bans WHERE ${scope} AND ${inForce}) < $11
  RETURNING ${banColumns}`;

/** $1 scope, $2 id */
export const selectBan = `SELECT ${banColumns} FROM bans WHERE ${scope} AND id = $2::bigint`;

/** The retroactive job's read: $1 id, whatever its scope. */
export const selectBanById = `SELECT ${banColumns}, net::text AS net FROM bans WHERE id = $1::bigint`;

/** A page of a scope's bans, newest first: $1 scope, $2 all (else in force only), $3 before id (or null), $4 limit */
export const listBans = `SELECT ${banColumns} FROM bans WHERE ${scope}
  AND ($2::boolean OR (${inForce})) AND ($3::bigint IS NULL OR id < $3::bigint)
  ORDER BY id DESC LIMIT $4`;

/** Lifts a ban in force: $1 scope, $2 id, $3 by. No row: missing, or lifted already. */
export const liftBan = `UPDATE bans SET lifted_at = now(), lifted_by = $3 WHERE ${scope} AND id = $2::bigint AND lifted_at IS NULL
  RETURNING ${banColumns}`;

/** The job starts (or resumes): $1 id. */
export const startRetro = `UPDATE bans SET retro_status = 'running' WHERE id = $1::bigint AND retro_status IN ('queued', 'running')
  RETURNING ${banColumns}`;

/** $1 id, $2 posts hidden by this step, $3 posts found so far (a total grows shard by shard) */
export const addRetroProgress = `UPDATE bans SET retro_hidden = retro_hidden + $2, retro_total = COALESCE(retro_total, 0) + $3 WHERE id = $1::bigint`;

export const finishRetro = `UPDATE bans SET retro_status = 'done' WHERE id = $1::bigint AND retro_status = 'running' RETURNING ${banColumns}`;

/** The identities of a comment's author, for "ban the author": $1 post id. The address stays on the server. */
export const selectPostAuthor = `SELECT forum_id, author_user_id, lower(author_email) AS email, host(author_ip) AS ip FROM posts WHERE id = $1::bigint`;

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 clients) as the IPv4 address it is. */
const v4Mapped = (col: string) => `(CASE WHEN family(${col}) = 6 AND ${col} <<= '::ffff:0:0/96'::inet THEN substring(host(${col}) from 8)::inet ELSE ${col} END)`;

/**
 * A page of a banned author's posts in a forum (or, $1 null, in every forum of the shard) that the
 * job may still hide: $1 forum, $2 user id, $3 email, $4 net (one of the three set, by the ban's
 * kind), $5 statuses it may hide from, $6 after id, $7 limit. The match restates the bans phase's
 * (moderation/bans.ts) in SQL: an account by id, an email in any case, an address in the net.
 */
export const selectBannedPosts = `SELECT id, forum_id FROM posts
  WHERE ($1::bigint IS NULL OR forum_id = $1::bigint) AND status = ANY($5::text[]) AND id > $6::bigint
    AND (author_user_id = $2::bigint OR lower(author_email) = $3::text OR ${v4Mapped('author_ip')} <<= $4::cidr)
  ORDER BY id LIMIT $7`;

/**
 * Hides one post for a ban, if it is still in a status the transition leaves: $1 id, $2 to, $3 from,
 * $4 the reason (a JSON array of one), added to the post's reasons.
 */
export const hidePostForBan = `UPDATE posts SET prev_status = status, status = $2, status_changed_at = now(),
    moderation_reasons = moderation_reasons || $4::jsonb
  WHERE id = $1::bigint AND status = ANY($3::text[])
  RETURNING ${postColumns}`;

/**
 * Does this account have shadowed posts in the thread? (Their reads then include them.) $1 thread,
 * $2 user id, $3 the thread's forum: posts_forum_author_idx walks the author's posts in the forum
 * only, however long the thread.
 */
export const selectHasShadowed = {
  name: 'parley_has_shadowed',
  text: `SELECT EXISTS (SELECT 1 FROM posts WHERE forum_id = $3 AND author_user_id = $2 AND thread_id = $1 AND status = 'shadowed') AS has`,
};

/** A ban of an account needs the account: $1 user id (accounts database) */
export const selectUserExists = `SELECT id FROM users WHERE id = $1::bigint`;
