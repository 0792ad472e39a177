// Loading from the read API: the forum (its settings) and the page's thread (created on first
// view, from the embed's attributes), then the comments a page at a time in the chosen sort,
// following the cursor ("Load more comments"). The comments go to thread-state.ts as actions.
import type { Api } from './api.ts';
import type { ForumView, PostView, ThreadView } from './domain.ts';
import type { Action } from './thread-state.ts';
import type { Tree } from './tree.ts';

export interface LoaderDeps {
  api: Api;
  /** the embed's element, with its data-parley-* attributes */
  box: HTMLElement;
  dispatch(action: Action): void;
  tree: Tree;
  /** the "Load more comments" button, shown while pages remain */
  more: HTMLButtonElement;
  /**
   * A page as the signed-in reader sees it (through the session frame, with their token: their own
   * shadowed comments are on it), or undefined when nobody is signed in (the public, cached page).
   */
  readerPage?(threadId: string, q: { sort: string; limit: number; cursor?: string }): Promise<PostPage> | undefined;
}

type PostPage = { posts: PostView[]; nextCursor: string | null };

export interface Loaded {
  forum: ForumView;
  thread: ThreadView;
}

export interface Loader {
  /** the forum and the thread, then the first page; again after the live feed fell too far behind */
  load(): Promise<Loaded>;
  /** the forum and the thread as last loaded (set before their first page is shown) */
  readonly loaded: Loaded | undefined;
  /** the first page in another sort */
  sortBy(sort: string): Promise<void>;
  /** the next page */
  next(): Promise<void>;
  /** a reader signed in after the first page: adds what their own view of it holds besides (their shadowed comments) */
  mergeReaderPage(): Promise<void>;
}

export function loader({ api, box, dispatch, tree, more, readerPage }: LoaderDeps): Loader {
  const slug = encodeURIComponent(box.dataset.parleyForum!);
  const pageSize = Math.min(100, Math.max(1, Number(box.dataset.parleyPageSize) || 50));
  let loaded: Loaded | undefined;
  let sort = 'oldest';
  let cursor: string | null = null;

  async function page(): Promise<void> {
    const q = `sort=${sort}&limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const threadId = loaded!.thread.id;
    const r = (await readerPage?.(threadId, { sort, limit: pageSize, ...(cursor ? { cursor } : {}) })) ?? (await api<PostPage>('GET', `/v1/threads/${threadId}/posts?${q}`));
    dispatch({ type: 'page', posts: r.posts });
    cursor = r.nextCursor;
    tree.arrange(sort, !!cursor);
    more.hidden = !cursor;
  }

  /** starts the list over; on a (re)load, from the thread's current sequence */
  async function firstPage(seq?: number): Promise<void> {
    cursor = null;
    tree.arrange(sort, false);
    dispatch({ type: 'cleared', seq });
    await page();
  }

  return {
    async load() {
      const [f, th] = await Promise.all([
        api<{ forum: ForumView }>('GET', `/v1/forums/${slug}`),
        api<{ thread: ThreadView }>('POST', `/v1/forums/${slug}/threads`, {
          identifier: box.dataset.parleyIdentifier,
          url: box.dataset.parleyUrl || location.href.split('#')[0],
          ...(box.dataset.parleyTitle || document.title ? { title: box.dataset.parleyTitle || document.title } : {}),
        }),
      ]);
      loaded = { forum: f.forum, thread: th.thread };
      await firstPage(th.thread.lastSeq);
      dispatch({ type: 'opened', postCount: th.thread.postCount, morePages: !!cursor });
      return loaded;
    },
    get loaded() {
      return loaded;
    },
    async sortBy(s) {
      sort = s;
      await firstPage();
    },
    next: page,
    async mergeReaderPage() {
      const r = loaded && (await readerPage?.(loaded.thread.id, { sort, limit: pageSize }));
      if (!r) return;
      // comments shown already stay as they are; the page's others are placed in order
      dispatch({ type: 'page', posts: r.posts });
      tree.arrange(sort, !!cursor);
    },
  };
}
