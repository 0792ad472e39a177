// Post statements. Every change is one conditional statement that returns the new row; the
// WHERE clause carries the allowed from-states and the authorization, so a change that is no
// longer allowed touches nothing instead of overwriting someone else's.
import { publishedStatuses, replyAncestorCount, type PostRecord, type PostStatus, type Sort } from '@parley/domain';
import { authorFactsAfter, type AuthorKind } from './moderation-facts.ts';
import { postColumns } from './rows.ts';

/**
 * A new post, placed and checked in the statement itself: the thread must be open, and a parent
 * must be in the same thread and published (or the poster a moderator, or the parent the poster's
 * own shadowed post: a shadow-banned author replies to their own comments as to any). The reply-depth rule is
 * the domain's: the new path keeps the parent's first `replyAncestorCount(maxDepth)` ids
 * (`placeReply` applies the same number; a test pins that both agree). No row means a check
 * failed; the caller then reads why. Arguments by name: `insertPostValues`.
 */
/** Whether parent `pp` takes a reply from this poster: published, or the poster moderates, or it is the poster's own shadowed post. */
export const parentVisibleTo = (pp: string, $: { statuses: string; byModerator: string; userId: string }): string =>
  `(${pp}.status = ANY(${$.statuses}::text[]) OR ${$.byModerator}::boolean OR (${pp}.status = 'shadowed' AND ${pp}.author_user_id = ${$.userId}::bigint))`;

/** The thread takes new comments. */
export const threadOpen = (thread: string): string => `EXISTS (SELECT 1 FROM threads WHERE id = ${thread} AND status = 'open')`;

/**
 * `ancestors`: the new post's path without its own id, the parent's first `keep` ids ('{}' for a
 * top-level post; null when the parent is missing, in another thread or not visible to the poster).
 */
const placed = ($: { thread: string; parent: string; keep: string; statuses: string; byModerator: string; userId: string }): string =>
  `placed AS (SELECT CASE WHEN ${$.parent}::bigint IS NULL THEN '{}'::bigint[]
      ELSE (SELECT pp.path[1 : ${$.keep}::int] FROM posts pp
            WHERE pp.id = ${$.parent}::bigint AND pp.thread_id = ${$.thread} AND ${parentVisibleTo('pp', $)}) END AS ancestors)`;

export const insertPost = {
  name: 'parley_insert_post',
  text: `WITH ${placed({ thread: '$1', parent: '$3', keep: '$4', statuses: '$14', byModerator: '$5', userId: '$6' })},
  n AS (SELECT nextval(pg_get_serial_sequence('posts', 'id')) AS id)
  INSERT INTO posts (id, thread_id, forum_id, parent_id, depth, path, author_user_id, author_name, author_email,
                     edit_token_hash, notify, message, html, status, initial_status, moderation_reasons, author_ip)
  SELECT n.id, $1, $2, placed.ancestors[cardinality(placed.ancestors)], cardinality(placed.ancestors),
         placed.ancestors || n.id, $6, $7, $8, $9, $10, $11, $12, $13, $13, $15::jsonb, $16::inet
  FROM placed, n
  WHERE placed.ancestors IS NOT NULL AND ${threadOpen('$1')}
  RETURNING ${postColumns}`,
};

/**
 * A judged comment's first statement (ADR 0015, decision 2): where the comment goes and what the
 * moderation rules judge it on, read together and writing nothing. `ancestors` is the new path
 * without its own id (null: the parent is missing, elsewhere or not visible to the poster), `id` a
 * fresh post id when the comment can be placed (null otherwise: the thread is closed or missing,
 * or no parent), `at` the transaction's clock (the new row's created_at), then the facts'
 * columns (moderation-facts.ts). $1 thread, $2 forum, $3 parent (or null), $4 ancestors kept
 * (`replyAncestorCount`), $5 published statuses, $6 whether a moderator posts, $7 the poster's
 * user id, then the facts' own values (`authorFactsValues` without its first two). The caller
 * judges the row, then writes the comment with its event in one statement (events.ts
 * `appendNewPost`), which checks the thread and the parent again.
 */
export function placePostJudged(kind: AuthorKind, withBans: boolean): { name: string; text: string } {
  return placeJudged[`${kind}${withBans ? '+bans' : ''}`];
}

const PLACE_PARAMS = 7;
const placeJudged: Record<string, { name: string; text: string }> = Object.fromEntries(
  (['user', 'guest'] as const).flatMap((kind) => [false, true].map((withBans) => [`${kind}${withBans ? '+bans' : ''}`, {
    name: `parley_place_post_judged_${kind}${withBans ? '_bans' : ''}`,
    text: `WITH facts AS (${authorFactsAfter(kind, withBans, PLACE_PARAMS)}),
  ${placed({ thread: '$1', parent: '$3', keep: '$4', statuses: '$5', byModerator: '$6', userId: '$7' })}
  SELECT placed.ancestors,
    CASE WHEN placed.ancestors IS NOT NULL AND facts.thread_status = 'open' THEN nextval(pg_get_serial_sequence('posts', 'id')) END AS id,
    now() AS at, facts.*
  FROM placed, facts`,
  }])),
);

export const placePostValues = (p: { threadId: string; forumId: string; parentId: string | null; maxDepth: number; byModerator: boolean; userId: string | null }): unknown[] => [
  p.threadId, p.forumId, p.parentId, replyAncestorCount(p.maxDepth), publishedStatuses, p.byModerator, p.userId,
];

/**
 * The new post as `appendNewPost` writes it, built from the placement (`placePostJudged`'s row)
 * and the verdict: every column is given, none left to a default, so this record (the event's
 * snapshot) and the stored row are the same by construction (a test reads one against the other).
 */
export function newPostRecord(placed: { id: string; ancestors: string[]; at: Date }, p: NewPost): PostRecord {
  return {
    id: placed.id,
    threadId: p.threadId,
    forumId: p.forumId,
    parentId: placed.ancestors.at(-1) ?? null,
    depth: placed.ancestors.length,
    path: [...placed.ancestors, placed.id],
    authorUserId: p.userId,
    authorName: p.authorName,
    message: p.message,
    html: p.html,
    status: p.status,
    initialStatus: p.status as PostRecord['initialStatus'],
    prevStatus: null,
    moderationReasons: [...(p.moderationReasons ?? [])] as PostRecord['moderationReasons'],
    flagCount: 0,
    revision: 1,
    score: 0,
    replyCount: 0,
    notify: p.notify,
    createdAt: placed.at,
    editedAt: null,
  };
}

export interface NewPost {
  threadId: string;
  forumId: string;
  parentId: string | null;
  /** the forum's max depth; the statement keeps replyAncestorCount(maxDepth) of the parent's path */
  maxDepth: number;
  byModerator: boolean;
  userId: string | null;
  authorName: string;
  authorEmail: string | null;
  editTokenHash: Buffer | null;
  notify: boolean;
  message: string;
  html: string;
  status: PostStatus;
  /** why the moderation rules held it or marked it (moderation/types.ts Reason); empty when none */
  moderationReasons?: readonly unknown[];
  /** the client address it was written from (never in events or views) */
  authorIp?: string | null;
}

/** The values of `insertPost`, with the domain's rules (depth bound, published statuses) filled in. */
export const insertPostValues = (p: NewPost): unknown[] => [
  p.threadId, p.forumId, p.parentId, replyAncestorCount(p.maxDepth), p.byModerator, p.userId, p.authorName, p.authorEmail,
  p.editTokenHash, p.notify, p.message, p.html, p.status, publishedStatuses, JSON.stringify(p.moderationReasons ?? []), p.authorIp ?? null,
];

/**
 * $1 id, $2 message, $3 html, $4 editable statuses, $5 user id, $6 edit token hash, $7 window seconds,
 * $8 the status the moderation rules gave the new text (null: they passed it), $9 the statuses that
 * verdict moves a post from (a held edit of an approved post makes it pending), $10 the rules'
 * reasons (jsonb array), added to the post's. Returns the row and `moved_from`: the status the
 * verdict replaced, null when the status stayed (the row is locked first, so it is the latest).
 */
export const editPost = `WITH target AS (SELECT id AS target_id, status AS old_status FROM posts WHERE id = $1 FOR UPDATE)
  UPDATE posts SET message = $2, html = $3, revision = revision + 1, edited_at = now(),
    prev_status = CASE WHEN $8::text IS NOT NULL AND status = ANY($9::text[]) THEN status ELSE prev_status END,
    status_changed_at = CASE WHEN $8::text IS NOT NULL AND status = ANY($9::text[]) THEN now() ELSE status_changed_at END,
    status = CASE WHEN $8::text IS NOT NULL AND status = ANY($9::text[]) THEN $8::text ELSE status END,
    moderation_reasons = moderation_reasons || $10::jsonb
  FROM target
  WHERE id = target_id AND status = ANY($4::text[])
    AND ((author_user_id IS NOT NULL AND author_user_id = $5) OR (edit_token_hash IS NOT NULL AND edit_token_hash = $6))
    AND created_at > now() - make_interval(secs => $7)
  RETURNING ${postColumns}, CASE WHEN status IS DISTINCT FROM old_status THEN old_status END AS moved_from`;

/** A moderator's transition: $1 id, $2 to, $3 allowed from, $4 the moderator's forum */
export const moderatePost = `UPDATE posts SET prev_status = status, status = $2, status_changed_at = now()
  WHERE id = $1 AND status = ANY($3::text[]) AND forum_id = $4
  RETURNING ${postColumns}`;

/** An author deleting their own post: $1 id, $2 allowed from, $3 user id, $4 edit token hash, $5 to (the delete transition's) */
export const authorDeletePost = `UPDATE posts SET prev_status = status, status = $5, status_changed_at = now()
  WHERE id = $1 AND status = ANY($2::text[])
    AND ((author_user_id IS NOT NULL AND author_user_id = $3) OR (edit_token_hash IS NOT NULL AND edit_token_hash = $4))
  RETURNING ${postColumns}`;

/** Adds a vote's delta to the score of a published post: $1 id, $2 delta, $3 votable statuses */
export const addScore = `UPDATE posts SET score = score + $2 WHERE id = $1 AND status = ANY($3::text[])
  RETURNING ${postColumns}`;

/** Why did a conditional change touch nothing? Only on the error path. */
export const explainPost = `SELECT id, forum_id, thread_id, status, author_user_id, edit_token_hash, created_at FROM posts WHERE id = $1`;

export const selectPost = `SELECT ${postColumns} FROM posts WHERE id = $1`;

/** A comment's source text as its author wrote it, with who may read it: $1 post id */
export const selectPostSource = `SELECT message, revision, author_user_id, edit_token_hash FROM posts WHERE id = $1`;

/** The thread and, when replying, the parent: placement needs only the parent's immutable path. */
export const selectThreadWithParent = `SELECT t.*, p.path AS parent_path, p.thread_id AS parent_thread_id, p.status AS parent_status,
    p.author_user_id AS parent_author_user_id
  FROM threads t LEFT JOIN posts p ON p.id = $2 WHERE t.id = $1`;

// Listing. Moderators see everything. The public sees published posts, plus any other post
// that has published descendants, as a tombstone (its subtree is the key range (path, path||max)).
// `$p` is the published statuses, a parameter like every other rule.
// `$o`, for a signed-in reader with shadowed posts here (a shadow ban): their own shadowed posts
// count as published for them (and only them: such a page is never cached).
const publicFilter = (p: string, o?: string) => {
  const shown = (a: string) => `(${a}.status = ANY(${p}::text[])${o ? ` OR (${a}.status = 'shadowed' AND ${a}.author_user_id = ${o}::bigint)` : ''})`;
  return `AND (${shown('p')} OR EXISTS (
    SELECT 1 FROM posts d WHERE d.thread_id = p.thread_id AND d.path > p.path
      AND d.path < p.path || 9223372036854775807::bigint AND ${shown('d')}))`;
};

// Pages show the rendered HTML, never the raw message: leave it in the table (it comes back as '').
const listSelect = `SELECT ${postColumns.replace(/(^|,\s*)message,/, '$1').replace(/(^|,\s*)(\w+)/g, '$1p.$2')}`;

const listStatements = new Map<string, { name: string; text: string }>();

export interface ListCursor {
  path: string[];
  /** the cursor root's score (sort 'top') */
  rootScore?: number;
}

/**
 * One page of a thread's posts (`limit` rows), for a sort and viewer: the statement (named, so
 * each connection plans it once) and its values.
 */
export function listPosts(
  sort: Sort,
  opts: { moderator: boolean; threadId: string; limit: number; after?: ListCursor; ownShadowedOf?: string },
): { statement: { name: string; text: string }; values: unknown[] } {
  const after = opts.after !== undefined;
  const own = !opts.moderator && opts.ownShadowedOf !== undefined;
  const name = `parley_list_${sort}_${opts.moderator ? 'mod' : own ? 'own' : 'pub'}_${after ? 'after' : 'first'}`;
  let statement = listStatements.get(name);
  if (!statement) listStatements.set(name, (statement = { name, text: listPostsText(sort, { moderator: opts.moderator, own, after }) }));
  const values: unknown[] = [opts.threadId, opts.limit];
  if (opts.after) values.push(opts.after.path);
  if (opts.after && sort === 'top') values.push(opts.after.rootScore);
  if (!opts.moderator) values.push(publishedStatuses);
  if (own) values.push(opts.ownShadowedOf);
  return { statement, values };
}

function listPostsText(sort: Sort, opts: { moderator: boolean; own?: boolean; after: boolean }): string {
  // $1 thread, $2 limit, then the cursor path, the cursor root's score (top), the published statuses (public), the reader (own)
  let n = 3;
  const cursorPath = opts.after ? `$${n++}::bigint[]` : '';
  const rootScore = opts.after && sort === 'top' ? `$${n++}::int` : '';
  const published = opts.moderator ? '' : `$${n++}`;
  const visible = opts.moderator ? '' : publicFilter(published, opts.own ? `$${n++}` : undefined);
  switch (sort) {
    case 'oldest':
      return `${listSelect} FROM posts p WHERE p.thread_id = $1 ${opts.after ? `AND p.path > ${cursorPath}` : ''} ${visible}
        ORDER BY p.path LIMIT $2`;
    case 'newest':
      return `${listSelect} FROM posts p WHERE p.thread_id = $1
        ${opts.after ? `AND (-p.path[1], p.path) > (-(${cursorPath})[1], ${cursorPath})` : ''} ${visible}
        ORDER BY -p.path[1], p.path LIMIT $2`;
    case 'top':
      // roots by score, then newest root first
      return `${listSelect}, r.score AS root_score FROM posts p JOIN posts r ON r.id = p.path[1] WHERE p.thread_id = $1
        ${opts.after ? `AND (-r.score, -p.path[1], p.path) > (-${rootScore}, -(${cursorPath})[1], ${cursorPath})` : ''} ${visible}
        ORDER BY -r.score, -p.path[1], p.path LIMIT $2`;
  }
}
