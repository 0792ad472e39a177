// What each viewer may see of a post or an event. The read API, the event log and the realtime
// tier all shape posts here, so a post has one JSON shape everywhere.
import type { ParleyEvent } from './events.ts';
import { postOf } from './events.ts';
import { isHiddenFromPublic, isPublished } from './publication.ts';
import type { ForumSettings, PostRecord, PostStatus, Thread, ThreadStatus } from './model.ts';

export interface Viewer {
  /** holds the forum's moderator key (or the admin token) */
  moderator: boolean;
}

export interface PostView {
  id: string;
  parentId: string | null;
  depth: number;
  author: { name: string } | null;
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
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function postView(p: PostRecord, viewer: Viewer): PostView {
  if (viewer.moderator || isPublished(p.status)) {
    return {
      id: p.id,
      parentId: p.parentId,
      depth: p.depth,
      author: { name: p.authorName },
      html: p.html,
      status: p.status,
      score: p.score,
      replyCount: p.replyCount,
      revision: p.revision,
      createdAt: iso(p.createdAt)!,
      editedAt: iso(p.editedAt),
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
  id: string;
  forumId: string;
  identifier: string;
  url: string | null;
  title: string | null;
  status: ThreadStatus;
  /** the sequence number of the thread's last event: a live subscription resumes after it */
  lastSeq: number;
  /** published posts, replies included (kept by the worker) */
  postCount: number;
  createdAt: string;
  /** posts waiting for moderation, for moderators only */
  pendingCount?: number;
}

/** A forum as the API returns it (`forumView` in the API's forum commands). */
export interface ForumView {
  id: string;
  slug: string;
  name: string;
  settings: ForumSettings;
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

export interface EventView {
  seq: number;
  type: string;
  at?: string;
  post?: PostView;
  postId?: string;
  thread?: ThreadView;
  value?: number;
}

/**
 * An event as a viewer sees it. Anything about a pending or spam post reaches the public as
 * `{seq, type: "hidden", postId}`: the sequence stays gap-free and a client that shows that post
 * knows to take it down, but nothing of its content leaks.
 */
export function eventView(seq: number, at: Date, event: ParleyEvent, viewer: Viewer): EventView {
  const post = postOf(event);
  if (post && !viewer.moderator && isHiddenFromPublic(post.status)) return { seq, type: 'hidden', postId: post.id };
  const base: EventView = { seq, type: event.type, at: iso(at)! };
  if (post) base.post = postView(post, viewer);
  if (event.type === 'ThreadCreated') base.thread = threadView(event.snapshot);
  if (event.type === 'VoteCast' && viewer.moderator) base.value = event.snapshot.value;
  return base;
}
