// Row → record mappers. Column names stay snake_case in SQL; records are camelCase.
import type { Forum, ForumSettings, PostRecord, Thread, User } from '@parley/domain';
import { defaultForumSettings, mergeModerationSettings } from '@parley/domain';

type Row = Record<string, unknown>;

export const forumFromRow = (r: Row): Forum => ({
  id: r.id as string,
  slug: r.slug as string,
  name: r.name as string,
  // stored settings predate later settings (and later sections of the rules): defaults fill them in
  settings: {
    ...defaultForumSettings,
    ...(r.settings as Partial<ForumSettings>),
    moderation: mergeModerationSettings((r.settings as Partial<ForumSettings>).moderation),
  },
  shard: r.shard as number,
  postCount: (r.post_count as number | undefined) ?? 0,
  pendingCount: (r.pending_count as number | undefined) ?? 0,
  createdAt: r.created_at as Date,
});

export const threadFromRow = (r: Row): Thread => ({
  id: r.id as string,
  forumId: r.forum_id as string,
  identifier: r.identifier as string,
  url: (r.url as string | null) ?? null,
  title: (r.title as string | null) ?? null,
  status: r.status as Thread['status'],
  lastSeq: String(r.last_seq),
  postCount: (r.post_count as number | undefined) ?? 0,
  pendingCount: (r.pending_count as number | undefined) ?? 0,
  createdAt: r.created_at as Date,
});

export const postFromRow = (r: Row): PostRecord => ({
  id: r.id as string,
  threadId: r.thread_id as string,
  forumId: r.forum_id as string,
  parentId: (r.parent_id as string | null) ?? null,
  depth: r.depth as number,
  path: r.path as string[],
  authorUserId: (r.author_user_id as string | null) ?? null,
  authorName: r.author_name as string,
  message: (r.message as string | undefined) ?? '',
  html: r.html as string,
  status: r.status as PostRecord['status'],
  initialStatus: r.initial_status as PostRecord['initialStatus'],
  prevStatus: (r.prev_status as PostRecord['prevStatus']) ?? null,
  moderationReasons: (r.moderation_reasons as PostRecord['moderationReasons'] | undefined) ?? [],
  flagCount: (r.flag_count as number | undefined) ?? 0,
  revision: r.revision as number,
  score: r.score as number,
  replyCount: (r.reply_count as number | undefined) ?? 0,
  notify: r.notify as boolean,
  createdAt: r.created_at as Date,
  editedAt: (r.edited_at as Date | null) ?? null,
});

export const userFromRow = (r: Row): User => ({
  id: r.id as string,
  username: r.username as string,
  createdAt: r.created_at as Date,
  ...(r.sso_forum_id != null ? { ssoForumId: String(r.sso_forum_id) } : {}),
  ...(r.avatar_url != null ? { avatarUrl: r.avatar_url as string } : {}),
  ...(r.display_name != null ? { displayName: r.display_name as string } : {}),
  ...('email_verified_at' in r ? { emailVerified: r.email_verified_at !== null } : {}),
});

/** Columns of a post that may leave the database (never the email or the edit token hash). */
export const postColumns = `id, thread_id, forum_id, parent_id, depth, path, author_user_id, author_name, message, html,
  status, initial_status, prev_status, moderation_reasons, flag_count, revision, score, reply_count, notify, created_at, edited_at`;
