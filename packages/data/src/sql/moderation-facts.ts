// The facts the moderation pipeline judges a comment on, read BEFORE the write's transaction (no
// lock held while they are read): one statement on the content shard, one on the forums database.
// A part no enabled phase needs reads nothing (its LIMIT is 0, or its CASE is not taken), and a
// write that needs no part skips the statement, so a forum that turns a phase off pays nothing
// for it. Every part is bounded by an index of migration 12:
//   - approved comments: posts_forum_author_idx / posts_forum_guest_idx, counted up to the threshold
//     among the author's latest comments (a bounded number);
//   - a guest email seen before: the same guest index, one row;
//   - recent texts: the author's last `recentLimit` comments in the forum (index order, newest
//     first), of which those in other threads within the window are kept;
//   - bans: bans_value_idx (user, email) and bans_net_idx (address in a range), lifted ones left out.

export interface AuthorFactsNeed {
  /** count approved comments up to this many (0: not needed) */
  approvedCap: number;
  /** whether the guest email was seen in this forum before (guests with an email only) */
  guestSeen: boolean;
  /** the author's recent texts in other threads, at most this many (0: not needed) */
  recentLimit: number;
}

export type AuthorKind = 'user' | 'guest';

/**
 * The content shard's facts about an author in a forum: `thread_status`, `approved_count`,
 * `guest_seen` (null unless asked), `recent_texts`. A part not asked for costs nothing: its LIMIT
 * is 0 (the executor then reads no row) or its CASE is not taken. Values: `authorFactsValues`.
 * $1 thread id, $2 forum id, $3 user id or lower-cased email, $4 approved cap, $5 recent limit,
 * $6 counted statuses (the published ones), $7 recent window in seconds, $8 whether to ask if the email was seen,
 * $9 how many of the author's latest comments the approved count looks at: an author whose
 * comments are mostly held or spam (a spammer) would otherwise make each new comment read them all;
 * with `withBans`, also `bans` (see `bansOfAuthor`), $10 user id, $11 email, $12 address.
 */
export function authorFacts(kind: AuthorKind, withBans = false): { name: string; text: string } {
  return facts[`${kind}${withBans ? '+bans' : ''}`];
}

function authorFactsText(kind: AuthorKind, withBans: boolean, at: (n: number) => string = (n) => `$${n}`): string {
  // the partial indexes' predicates are spelled out so the planner can use them
  const author = kind === 'user' ? `author_user_id = ${at(3)}::bigint` : `author_email IS NOT NULL AND lower(author_email) = ${at(3)}::text`;
  const [thread, forum] = [at(1), at(2)];
  return `SELECT (SELECT status FROM threads WHERE id = ${thread}) AS thread_status,
    (SELECT count(*) FROM (SELECT 1 FROM (SELECT status FROM posts WHERE forum_id = ${forum} AND ${author} ORDER BY id DESC LIMIT ${at(9)}::int) h
      WHERE h.status = ANY(${at(6)}::text[]) LIMIT ${at(4)}::int) a)::int AS approved_count,
    CASE WHEN ${at(8)}::boolean THEN EXISTS (SELECT 1 FROM posts WHERE forum_id = ${forum} AND ${author}) END AS guest_seen,
    ARRAY(SELECT r.message FROM (SELECT message, thread_id, created_at, id FROM posts WHERE forum_id = ${forum} AND ${author} ORDER BY id DESC LIMIT ${at(5)}::int) r
      WHERE r.thread_id <> ${thread} AND r.created_at > now() - make_interval(secs => ${at(7)}::int) ORDER BY r.id DESC) AS recent_texts${
    withBans ? `,\n    (SELECT coalesce(json_agg(b), '[]') FROM (${bansUnion(forum, at(10), at(11), at(12))}) b) AS bans` : ''}`;
}

/**
 * The same facts as a part of another statement whose own parameters come first: `$1` (thread)
 * and `$2` (forum) are shared, the facts' `$3`… follow the statement's last one, `after`. The
 * placement of a new comment reads them this way (posts.ts `placePostJudged`), in its
 * transaction, at no round trip of their own.
 */
export function authorFactsAfter(kind: AuthorKind, withBans: boolean, after: number): string {
  return authorFactsText(kind, withBans, (n) => `$${n <= 2 ? n : n - 2 + after}`);
}

// `+bans`: where the forums database is the content shard's own (the one-machine default), the
// bans come in the same statement, as a json array (`bansFromJson`): one round trip, not two
const facts: Record<string, { name: string; text: string }> = Object.fromEntries(
  (['user', 'guest'] as const).flatMap((kind) => [false, true].map((withBans) => {
    const key = `${kind}${withBans ? '+bans' : ''}`;
    return [key, { name: `parley_moderation_facts_${kind}${withBans ? '_bans' : ''}`, text: authorFactsText(kind, withBans) }];
  })),
);

export const authorFactsValues = (p: {
  threadId: string;
  forumId: string;
  /** a user id, or a guest's email */
  author: string;
  need: AuthorFactsNeed;
  countedStatuses: readonly string[];
  windowSeconds: number;
  /** the author's latest comments the approved count looks at */
  historyLimit: number;
  /** with the bans (`authorFacts(kind, true)`): $10 user id, $11 lower-cased email, $12 address */
  bans?: { userId: string | null; email: string | null; ip: string | null };
}): unknown[] => [
  p.threadId, p.forumId, p.author, p.need.approvedCap, p.need.recentLimit, p.countedStatuses, p.windowSeconds, p.need.guestSeen, p.historyLimit,
  ...(p.bans ? [p.bans.userId, p.bans.email, p.bans.ip] : []),
];

/**
 * The bans in force that could concern an author: the forum's and the instance's (forum_id NULL),
 * not lifted, not expired, on the account, the email (lower-cased), or a network holding the address.
 * One branch per index (bans_value_idx twice, bans_net_idx), so each is an index lookup whatever
 * the number of bans; an OR across them would leave the planner a scan of every active ban.
 */
function bansUnion(forum: string, user: string, email: string, ip: string): string {
  return [`kind = 'user' AND value = ${user}::text`, `kind = 'email' AND value = ${email}::text`, `net IS NOT NULL AND net >>= ${ip}::inet`]
    .map((match) => `SELECT kind, value, mode, reason, expires_at FROM bans
      WHERE lifted_at IS NULL AND ${match} AND (forum_id = ${forum} OR forum_id IS NULL) AND (expires_at IS NULL OR expires_at > now())`)
    .join('\n    UNION ALL ');
}

/** The bans of an author, on the forums database: $1 forum id, $2 user id, $3 lower-cased email, $4 address (each may be null). */
export const bansOfAuthor = { name: 'parley_moderation_bans_of_author', text: bansUnion('$1', '$2', '$3', '$4') };

/** The post an edit changes, with what the rules ask about its author (an edit is judged as its author's). $1 post id */
export const editTarget = `SELECT id, forum_id, thread_id, status, author_user_id, author_name, author_email, edit_token_hash FROM posts WHERE id = $1`;
