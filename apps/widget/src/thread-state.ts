// What the widget knows about its thread, and how each thing that happens changes it: a live
// event, the API's answer to the reader's own post, vote, edit or deletion, a page of comments,
// the reader opening the "new comments" bar. `step` is pure (no DOM, no clock, no storage): it
// returns the new state and the changes the page must make, and tree.ts makes them. The comment
// count lives here, so every way a comment can appear or go is counted in one place, and unit
// tests (test/thread-state.unit.test.ts) pin it.
import { awaitingModerationStatuses, isPublished, isPublishingEvent, type EventView, type PostView } from './domain.ts';

export interface ThreadState {
  /** the sequence number of the last event applied */
  readonly seq: number;
  /** published comments in the thread, as the header says */
  readonly count: number;
  /** the comments on the page, in the order they were placed */
  readonly shown: ReadonlyMap<string, PostView>;
  /** published comments from others, held back for the "new comments" bar during a burst */
  readonly queued: readonly PostView[];
  /** when recent live comments arrived (ms), for spotting a burst */
  readonly arrivals: readonly number[];
}

export const initialState: ThreadState = { seq: 0, count: 0, shown: new Map(), queued: [], arrivals: [] };

export type Action =
  /** an event from the realtime tier */
  | { type: 'event'; event: EventView }
  /** the API's answer to the reader's new comment (its event may have come first) */
  | { type: 'posted'; post: PostView }
  /** the API's answer to the reader's vote or edit */
  | { type: 'answered'; post: PostView }
  /** the API's answer to the reader deleting their own comment */
  | { type: 'deleted'; post: PostView }
  /** the reader opened the "new comments" bar */
  | { type: 'flushed' }
  /** a first page is on its way (load, sort change): the page starts empty; `seq` on a (re)load */
  | { type: 'cleared'; seq?: number }
  /** a page of comments from the read API */
  | { type: 'page'; posts: readonly PostView[] }
  /** loading finished: the count from what is shown, or the thread's own when pages remain */
  | { type: 'opened'; postCount: number; morePages: boolean };

/** What the page must do; `live` places a comment as it arrives rather than as a page lists it. */
export type Change = { do: 'place'; post: PostView; live: boolean } | { do: 'redraw'; post: PostView } | { do: 'remove'; id: string } | { do: 'clear' };

export interface Context {
  /** Date.now() */
  now: number;
  /** the reader wrote this comment (holds its edit token) */
  isOwn(id: string): boolean;
}

export interface Step {
  state: ThreadState;
  changes: Change[];
}

/** more than BURST comments from others within BURST_MS go to the "new comments" bar */
export const BURST = 3;
export const BURST_MS = 2000;

/** Deleted, or a tombstone: shown as "deleted", without content or actions. */
export const isGone = (v: PostView): boolean => v.tombstone === true || v.status === 'deleted';

const published = (v: PostView | undefined): boolean => v !== undefined && isPublished(v.status);

/** A comment removed from view, as the public sees it. */
const tombstoneOf = (v: PostView): PostView => ({ ...v, status: 'deleted', tombstone: true, author: null, html: '' });

/**
 * A step in progress: copies the state once, then mutates the copy. `shown` is copied only when a
 * comment is placed, changed or removed.
 */
class Draft {
  seq: number;
  count: number;
  shown: Map<string, PostView>;
  queued: PostView[];
  arrivals: number[];
  readonly changes: Change[] = [];
  private copied = false;

  constructor(s: ThreadState) {
    this.seq = s.seq;
    this.count = s.count;
    this.shown = s.shown as Map<string, PostView>;
    this.queued = [...s.queued];
    this.arrivals = [...s.arrivals];
  }

  done(): Step {
    const state: ThreadState = { seq: this.seq, count: Math.max(0, this.count), shown: this.shown, queued: this.queued, arrivals: this.arrivals };
    return { state, changes: this.changes };
  }

  private write(): Map<string, PostView> {
    if (!this.copied) this.shown = new Map(this.shown);
    this.copied = true;
    return this.shown;
  }

  hasReplies(id: string): boolean {
    for (const v of this.shown.values()) if (v.parentId === id) return true;
    return false;
  }

  /** Shows a comment; false for a live reply whose parent isn't on the page (it is not shown). */
  place(v: PostView, live: boolean): boolean {
    if (live && v.parentId && !this.shown.has(v.parentId)) return false;
    this.write().set(v.id, v);
    this.changes.push({ do: 'place', post: v, live });
    return true;
  }

  /** A newer version of a shown comment; a removed one without replies leaves the page. */
  update(v: PostView): void {
    if (!this.shown.has(v.id)) return;
    if (isGone(v) && !this.hasReplies(v.id)) return this.remove(v.id);
    this.write().set(v.id, v);
    this.changes.push({ do: 'redraw', post: v });
  }

  remove(id: string): void {
    if (!this.write().delete(id)) return;
    this.changes.push({ do: 'remove', id });
  }

  unqueue(id: string): boolean {
    const i = this.queued.findIndex((v) => v.id === id);
    if (i >= 0) this.queued.splice(i, 1);
    return i >= 0;
  }

  /** A newly published comment from the live feed: shown at once, or held during a burst. */
  arrive(v: PostView, ctx: Context): void {
    this.arrivals.push(ctx.now);
    while (this.arrivals[0] < ctx.now - BURST_MS) this.arrivals.shift();
    if (ctx.isOwn(v.id) || (this.queued.length === 0 && this.arrivals.length <= BURST)) this.place(v, true);
    else this.queued.push(v); // a burst: don't move the page under the reader
  }

  event(e: EventView, ctx: Context): void {
    // a replayed or duplicated event was applied already (or was part of the page as loaded)
    if (e.seq <= this.seq) return;
    this.seq = e.seq;
    const id = e.post?.id ?? e.postId;
    if (!id) return; // forum and thread events change no comment
    const q = this.queued.findIndex((v) => v.id === id);
    const visible = published(e.post);
    const wasVisible = published(this.shown.get(id)) || q >= 0;
    if (q >= 0) {
      if (visible) this.queued[q] = e.post!;
      else this.queued.splice(q, 1);
    }
    if (e.type === 'hidden') {
      const have = this.shown.get(id);
      // the author keeps seeing their own comment while it awaits moderation
      if (have && !(awaitingModerationStatuses.includes(have.status) && ctx.isOwn(id))) {
        if (this.hasReplies(id)) this.update(tombstoneOf(have));
        else this.remove(id);
      }
    } else if (e.post) {
      if (this.shown.has(id)) this.update(e.post);
      else if (visible && q < 0 && isPublishingEvent(e.type)) this.arrive(e.post, ctx);
    }
    // the count follows publications and removals; votes and edits leave it alone
    if (visible && !wasVisible && isPublishingEvent(e.type)) this.count++;
    else if (!visible && wasVisible) this.count--;
  }

  posted(v: PostView): void {
    // its event may have come first: shown already, or held for the "new comments" bar (and counted)
    const wasQueued = this.unqueue(v.id);
    if (this.shown.has(v.id)) return this.update(v);
    // a reply whose parent left the page meanwhile shows at the top level
    if (!this.place(v, true)) this.place({ ...v, parentId: null }, true);
    if (!wasQueued && published(v)) this.count++;
  }

  deleted(v: PostView): void {
    // the deletion's event may have come first and counted it out already
    if (published(this.shown.get(v.id))) this.count--;
    this.update(v);
  }

  flushed(): void {
    // a page loaded meanwhile ("load more") may have shown one already
    for (const v of this.queued) if (!this.shown.has(v.id)) this.place(v, true);
    this.queued = [];
    this.arrivals = [];
  }

  cleared(seq: number | undefined): void {
    if (seq !== undefined) this.seq = seq;
    this.shown = new Map();
    this.copied = true;
    this.queued = [];
    this.changes.push({ do: 'clear' });
  }

  opened(postCount: number, morePages: boolean): void {
    let shown = 0;
    for (const v of this.shown.values()) if (published(v)) shown++;
    this.count = morePages ? Math.max(postCount, shown) : shown;
  }
}

export function step(state: ThreadState, action: Action, ctx: Context): Step {
  const d = new Draft(state);
  switch (action.type) {
    case 'event':
      d.event(action.event, ctx);
      break;
    case 'posted':
      d.posted(action.post);
      break;
    case 'answered':
      d.update(action.post);
      break;
    case 'deleted':
      d.deleted(action.post);
      break;
    case 'flushed':
      d.flushed();
      break;
    case 'cleared':
      d.cleared(action.seq);
      break;
    case 'page':
      for (const v of action.posts) if (!d.shown.has(v.id)) d.place(v, false);
      break;
    case 'opened':
      d.opened(action.postCount, action.morePages);
      break;
  }
  return d.done();
}
