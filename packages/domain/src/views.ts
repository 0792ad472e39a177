// What each viewer may see of a forum, thread, post or event: the JSON the API, the event log,
// the realtime tier and webhooks send. Shaped here, so each has one JSON shape everywhere; the
// response schemas (@parley/read) are checked against these interfaces, both ways.
import type { EventType, ParleyEvent } from './events.ts';
import { postOf } from './events.ts';
import { isHiddenFromPublic, isPublished } from './publication.ts';
import type { Forum, ForumSettings, PostRecord, PostStatus, Thread, ThreadStatus, User } from './model.ts';
import type { Reason } from './moderation/types.ts';
import type { Webhook, WebhookEventType } from './webhooks.ts';

export interface Viewer {
  /** holds the forum's moderator key (or the admin token) */
  moderator: boolean;
  /**
   * the signed-in reader's account: their own shadowed posts look published to them (a shadow
   * ban the author must not be able to tell); nobody else's view changes
   */
  userId?: string;
}

/** A shadowed post of the viewer's own: shown to them as if it were published. */
export const isOwnShadowed = (p: Pick<PostRecord, 'status' | 'authorUserId'>, viewer: Viewer): boolean =>
  p.status === 'shadowed' && viewer.userId !== undefined && p.authorUserId === viewer.userId;

/**
 * A registered author's public profile, read from the accounts partition when a page is listed
 * (one batched query per page: a join done in code). Never the email.
 */
export interface AuthorProfile {
  id: string;
  username: string;
  /** published posts, counted by the worker */
  postCount: number;
  /** when the account was made */
  since: string;
  /** the avatar the user (or their site, by SSO) gave; absent in entries cached before it existed */
  avatarUrl?: string | null;
}

export interface PostView {
  id: string;
  parentId: string | null;
  depth: number;
  /** `name` as written with the post; `profile` for a registered author, on listed pages */
  author: { name: string; profile?: AuthorProfile } | null;
  html: string;
  status: PostStatus;
  score: number;
  /** published replies, counted by the worker (eventually consistent) */
  replyCount: number;
  revision: number;
  createdAt: string;
  editedAt: string | null;
  /** a removed post kept in place because it has visible replies */
  tombstone?: true;
  /** moderators only: why it was held, marked as spam or shadowed, and how many readers flagged it */
  moderation?: PostModerationView;
}

export interface PostModerationView {
  reasons: Reason[];
  flagCount: number;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Whether a viewer sees the post itself (else its tombstone). */
export const seesPost = (p: Pick<PostRecord, 'status' | 'authorUserId'>, viewer: Viewer): boolean =>
  viewer.moderator || isPublished(p.status) || isOwnShadowed(p, viewer);

export function postView(p: PostRecord, viewer: Viewer, profiles?: ReadonlyMap<string, AuthorProfile>): PostView {
  if (seesPost(p, viewer)) {
    const profile = p.authorUserId === null ? undefined : profiles?.get(p.authorUserId);
    return {
      id: p.id,
      parentId: p.parentId,
      depth: p.depth,
      author: profile ? { name: p.authorName, profile } : { name: p.authorName },
      html: p.html,
      status: !viewer.moderator && isOwnShadowed(p, viewer) ? 'approved' : p.status,
      score: p.score,
      replyCount: p.replyCount,
      revision: p.revision,
      createdAt: iso(p.createdAt)!,
      editedAt: iso(p.editedAt),
      // snapshots written before moderation reasons existed carry none
      ...(viewer.moderator ? { moderation: { reasons: p.moderationReasons ?? [], flagCount: p.flagCount ?? 0 } } : {}),
    };
  }
  return tombstone(p);
}

/** A removed post as the public sees it: its place in the tree, nothing of its content. */
export function tombstone(p: PostRecord): PostView {
  return {
    id: p.id,
    parentId: p.parentId,
    depth: p.depth,
    author: null,
    html: '',
    status: 'deleted',
    score: 0,
    replyCount: p.replyCount,
    revision: p.revision,
    createdAt: iso(p.createdAt)!,
    editedAt: null,
    tombstone: true,
  };
}

export interface ThreadView {
  /** posts waiting for moderation: moderators only */
  pendingCount?: number;
  id: string;
  forumId: string;
  identifier: string;
  url: string | null;
  title: string | null;
  status: ThreadStatus;
  lastSeq: number;
  /** published posts, replies included (kept by the worker) */
  postCount: number;
  createdAt: string;
}

export function threadView(t: Thread, viewer: Viewer = { moderator: false }): ThreadView {
  return {
    ...(viewer.moderator ? { pendingCount: t.pendingCount } : {}),
    id: t.id,
    forumId: t.forumId,
    identifier: t.identifier,
    url: t.url,
    title: t.title,
    status: t.status,
    lastSeq: Number(t.lastSeq),
    postCount: t.postCount,
    createdAt: iso(t.createdAt)!,
  };
}

export interface ForumView {
  id: string;
  slug: string;
  name: string;
  /** `moderation` (the rules, the blocklist) only for the forum's moderators: a spammer must not read them */
  settings: Omit<ForumSettings, 'moderation'> & Partial<Pick<ForumSettings, 'moderation'>>;
  /** published posts in all its threads */
  postCount: number;
  createdAt: string;
}

export function forumView(f: Forum, viewer: Viewer = { moderator: false }): ForumView {
  const { moderation, ...publicSettings } = f.settings;
  return {
    id: f.id,
    slug: f.slug,
    name: f.name,
    settings: viewer.moderator ? { ...publicSettings, moderation } : publicSettings,
    postCount: f.postCount,
    createdAt: iso(f.createdAt)!,
  };
}

/** An event as the public sees one about a pending or spam post: that something is hidden. */
export interface HiddenEventView {
  seq: number;
  type: 'hidden';
  postId: string;
}

export interface VisibleEventView {
  seq: number;
  type: EventType;
  at: string;
  /** post events and votes */
  post?: PostView;
  /** ThreadCreated (as the public sees the thread) */
  thread?: ThreadView;
  /** VoteCast, moderators only: the voter's vote now (0 = withdrawn) */
  value?: number;
}

export type EventView = HiddenEventView | VisibleEventView;

/**
 * An event as a viewer sees it. Anything about a pending or spam post reaches the public as
 * `{seq, type: "hidden", postId}`: the sequence stays gap-free and a client that shows that post
 * knows to take it down, but nothing of its content leaks.
 */
export function eventView(seq: number, at: Date, event: ParleyEvent, viewer: Viewer): EventView {
  const post = postOf(event);
  const own = post !== undefined && !viewer.moderator && isOwnShadowed(post, viewer);
  if (post && !viewer.moderator && !own && isHiddenFromPublic(post.status)) return { seq, type: 'hidden', postId: post.id };
  // to its author, the shadowing of a post is its publication: nothing tells them it is hidden
  const base: VisibleEventView = { seq, type: own && event.type === 'PostShadowed' ? 'PostApproved' : event.type, at: iso(at)! };
  // a reader's report: the public learns that one came, never which comment (nor, by counting, how many each has)
  if (post && !(event.type === 'PostFlagged' && !viewer.moderator)) base.post = postView(post, viewer);
  if (event.type === 'ThreadCreated') base.thread = threadView(event.snapshot);
  if (event.type === 'VoteCast' && viewer.moderator) base.value = event.snapshot.value;
  return base;
}

export interface UserView {
  id: string;
  username: string;
  /** the name to show: the display name, else the username */
  displayName: string;
  avatarUrl: string | null;
  emailVerified: boolean;
  createdAt: string;
}

export const userView = (u: User): UserView => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName ?? u.username,
  avatarUrl: u.avatarUrl ?? null,
  emailVerified: u.emailVerified === true,
  createdAt: iso(u.createdAt)!,
});

/** A webhook as its forum's moderators see it: never its secret. */
export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

export const webhookView = (w: Webhook): WebhookView => ({ id: w.id, url: w.url, events: w.events, createdAt: iso(w.createdAt)! });

/** One attempt to deliver an event to a webhook. */
export interface DeliveryView {
  id: string;
  eventId: string;
  attempt: number;
  status: 'ok' | 'failed';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  at: string;
}

/** One page of a thread's posts in reading order; `nextCursor` is null on the last page. */
export interface PostPage {
  posts: PostView[];
  nextCursor: string | null;
}

/** A slice of a thread's event log; `nextAfter` is the `after` of the next slice. */
export interface EventPage {
  events: EventView[];
  nextAfter: number;
}
