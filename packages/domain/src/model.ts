// The model: forums (sites), threads (pages), posts (comments), users, guests, votes.
import { defaultModerationSettings, type ModerationSettings } from './moderation/settings.ts';
import type { Reason } from './moderation/types.ts';

// `shadowed`: a shadow-banned author's post; its author sees it as published, nobody else sees it
export const postStatuses = ['pending', 'approved', 'spam', 'deleted', 'shadowed'] as const;
export type PostStatus = (typeof postStatuses)[number];

export const threadStatuses = ['open', 'closed'] as const;
export type ThreadStatus = (typeof threadStatuses)[number];

export const erasedAuthorPostsModes = ['anonymize', 'remove'] as const;
export type ErasedAuthorPosts = (typeof erasedAuthorPostsModes)[number];

export interface ForumSettings {
  /** how long an author may edit a post, in seconds */
  editWindowSeconds: number;
  /** new posts from non-moderators wait for approval */
  preModeration: boolean;
  /** deepest reply level; a deeper reply attaches to the deepest allowed ancestor */
  maxDepth: number;
  /** origins allowed to embed the widget; empty = any */
  allowedOrigins: string[];
  /** single sign-on by JWT signed with the site's own keys (RS256, ES256): where its public keys are (a JWKS URL); null = HS256 with the forum's secret only */
  ssoJwksUrl: string | null;
  /** the `aud` a single sign-on JWT must carry; null = the forum's slug */
  ssoAudience: string | null;
  /** what happens to the posts of an account that is deleted: kept with the author erased ('anonymize'), or removed ('remove') */
  erasedAuthorPosts: ErasedAuthorPosts;
  /** readers who are not signed in may post (as guests); false = sign in to comment */
  guestsMayPost: boolean;
  /** a guest must give an email address (never shown); false = optional */
  guestEmailRequired: boolean;
  /** the moderation pipeline's phases and thresholds (moderation/settings.ts); moderators only see it */
  moderation: ModerationSettings;
}

export const defaultForumSettings: Readonly<ForumSettings> = Object.freeze({
  editWindowSeconds: 900,
  preModeration: false,
  maxDepth: 6,
  allowedOrigins: [],
  ssoJwksUrl: null,
  ssoAudience: null,
  erasedAuthorPosts: 'anonymize',
  guestsMayPost: true,
  guestEmailRequired: true,
  moderation: defaultModerationSettings,
});

export interface Forum {
  id: string;
  slug: string;
  name: string;
  settings: ForumSettings;
  shard: number;
  postCount: number;
  pendingCount: number;
  createdAt: Date;
}

export interface Thread {
  id: string;
  forumId: string;
  identifier: string;
  url: string | null;
  title: string | null;
  status: ThreadStatus;
  lastSeq: string;
  /** published posts, replies included (kept by the worker) */
  postCount: number;
  /** posts waiting for moderation (moderators only) */
  pendingCount: number;
  createdAt: Date;
}

/** A post as stored; this record is the snapshot carried by post events. */
export interface PostRecord {
  id: string;
  threadId: string;
  forumId: string;
  parentId: string | null;
  depth: number;
  path: string[];
  authorUserId: string | null;
  authorName: string;
  message: string;
  html: string;
  status: PostStatus;
  initialStatus: Exclude<PostStatus, 'deleted'>;
  /** the status a moderation change replaced; set by status changes only (null until the first) */
  prevStatus: PostStatus | null;
  /** why the pipeline, readers' flags or a ban held it, marked it as spam or shadowed it (empty = nothing) */
  moderationReasons: Reason[];
  /** distinct readers who flagged it */
  flagCount: number;
  revision: number;
  score: number;
  /** published replies, kept by the worker */
  replyCount: number;
  notify: boolean;
  createdAt: Date;
  editedAt: Date | null;
}

export interface User {
  id: string;
  username: string;
  createdAt: Date;
  /** a user signed in by a forum's site (single sign-on) belongs to that forum only */
  ssoForumId?: string;
  /** the site's picture of an SSO user (http or https) */
  avatarUrl?: string;
  /** shown instead of the username when set (Parley's own accounts; an SSO user's name is its site's) */
  displayName?: string;
  /** the account's current email address has been proven (a link mailed to it was followed) */
  emailVerified?: boolean;
}

export interface GuestAuthor {
  name: string;
  /** null when the forum lets guests leave it out (guestEmailRequired false) */
  email: string | null;
}

export type VoteValue = -1 | 0 | 1;

/** Who did something: recorded on every event. */
export type Actor =
  | { kind: 'admin' }
  | { kind: 'moderator'; forumId: string }
  | { kind: 'user'; userId: string }
  | { kind: 'guest'; key: string }
  | { kind: 'public' };

export const actorLabel = (a: Actor): string => {
  switch (a.kind) {
    case 'admin': return 'admin';
    case 'moderator': return `moderator:${a.forumId}`;
    case 'user': return `user:${a.userId}`;
    case 'guest': return `guest:${a.key}`;
    case 'public': return 'public';
  }
};
