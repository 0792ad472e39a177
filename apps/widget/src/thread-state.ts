// What the widget knows about its thread, and how each thing that happens changes it: a live
// event, the API's answer to the reader's own post, vote, edit or deletion, a page of comments,
// the reader opening the "new comments" bar. `step` is pure (no DOM, no clock, no storage): it
// returns the new state and the changes the page must make, and tree.ts makes them. The comment
// count lives here, so every way a comment can appear or go is counted in one place, and unit
// tests (test/thread-state.unit.test.ts) pin it.
import { isPublished, isPublishingEvent, type EventView, type PostView } from './domain.ts';

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

export function step(state: ThreadState, action: Action, ctx: Context): Step {
  // the step works on copies; `shown` is copied only when a comment is placed, changed or removed
  let { seq, count, shown } = state;
  let queued = [...state.queued];
  let arrivals = [...state.arrivals];
  let copied = false;
  const changes: Change[] = [];

  const write = () => {
    if (!copied) shown = new Map(shown);
    copied = true;
    return shown as Map<string, PostView>;
  };

  const hasReplies = (id: string) => {
    for (const v of shown.values()) if (v.parentId === id) return true;
    return false;
  };

  /** Shows a comment; false for a live reply whose parent isn't on the page (it is not shown). */
  const place = (v: PostView, live: boolean): boolean => {
    if (live && v.parentId && !shown.has(v.parentId)) return false;
    write().set(v.id, v);
    changes.push({ do: 'place', post: v, live });
    return true;
  };

  const remove = (id: string) => {
    if (write().delete(id)) changes.push({ do: 'remove', id });
  };

  /** A newer version of a shown comment; a removed one without replies leaves the page. */
  const update = (v: PostView) => {
    if (!shown.has(v.id)) return;
    if (isGone(v) && !hasReplies(v.id)) return remove(v.id);
    write().set(v.id, v);
    changes.push({ do: 'redraw', post: v });
  };

  /** A newly published comment from the live feed: shown at once, or held during a burst. */
  const arrive = (v: PostView) => {
    arrivals.push(ctx.now);
    while (arrivals[0] < ctx.now - BURST_MS) arrivals.shift();
    if (ctx.isOwn(v.id) || (queued.length === 0 && arrivals.length <= BURST)) place(v, true);
    else queued.push(v); // a burst: don't move the page under the reader
  };

  const event = (e: EventView) => {
    // a replayed or duplicated event was applied already (or was part of the page as loaded)
    if (e.seq <= seq) return;
    seq = e.seq;
    const post = e.type === 'hidden' ? undefined : e.post;
    const id = e.type === 'hidden' ? e.postId : post?.id;
    if (!id) return; // forum and thread events change no comment
    const q = queued.findIndex((v) => v.id === id);
    const visible = published(post);
    const wasVisible = published(shown.get(id)) || q >= 0;
    if (q >= 0) {
      if (visible) queued[q] = post!;
      else queued.splice(q, 1);
    }
    // The reader's own comment stays on a hidden event (until a reload shows what the API gives
    // them): it awaits moderation, or it is shadowed (a shadow ban, whose every event the public
    // feed calls hidden, and which its author must not be able to tell from a publication).
    const have = shown.get(id);
    const keep = e.type === 'hidden' && ctx.isOwn(id);
    if (e.type === 'hidden') {
      if (have && !keep) {
        if (hasReplies(id)) update(tombstoneOf(have));
        else remove(id);
      }
    } else if (post) {
      if (shown.has(id)) update(post);
      else if (visible && q < 0 && isPublishingEvent(e.type)) arrive(post);
    }
    // the count follows publications and removals; votes and edits leave it alone
    if (visible && !wasVisible && isPublishingEvent(e.type)) count++;
    else if (!visible && wasVisible && !keep) count--;
  };

  const posted = (v: PostView) => {
    // its event may have come first: shown already, or held for the "new comments" bar (and counted)
    const q = queued.findIndex((x) => x.id === v.id);
    if (q >= 0) queued.splice(q, 1);
    if (shown.has(v.id)) return update(v);
    // a reply whose parent left the page meanwhile shows at the top level
    if (!place(v, true)) place({ ...v, parentId: null }, true);
    if (q < 0 && published(v)) count++;
  };

  switch (action.type) {
    case 'event':
      event(action.event);
      break;
    case 'posted':
      posted(action.post);
      break;
    case 'answered':
      update(action.post);
      break;
    case 'deleted':
      // the deletion's event may have come first and counted it out already
      if (published(shown.get(action.post.id))) count--;
      update(action.post);
      break;
    case 'flushed':
      // a page loaded meanwhile ("load more") may have shown one already
      for (const v of queued) if (!shown.has(v.id)) place(v, true);
      queued = [];
      arrivals = [];
      break;
    case 'cleared':
      if (action.seq !== undefined) seq = action.seq;
      shown = new Map();
      copied = true;
      queued = [];
      changes.push({ do: 'clear' });
      break;
    case 'page':
      for (const v of action.posts) if (!shown.has(v.id)) place(v, false);
      break;
    case 'opened': {
      let onPage = 0;
      for (const v of shown.values()) if (published(v)) onPage++;
      count = action.morePages ? Math.max(action.postCount, onPage) : onPage;
      break;
    }
  }
  return { state: { seq, count: Math.max(0, count), shown, queued, arrivals }, changes };
}
