// The comment widget's entry. Renders a thread into every element with data-parley-forum and
// data-parley-identifier, keeps it live over the realtime tier, and lets readers post, reply, edit
// and delete their own comments (within the forum's edit window) and vote, as guests or signed in.
// This file only wires the parts: thread-state.ts (what happens to the thread, pure), tree.ts and
// post-view.ts (the page), composer.ts (the forms), loader.ts (the read API), live.ts (the
// websocket), store.ts (localStorage) and session-link.ts (the session frame, which holds the
// signed-in reader's token and acts for them). See README.md.
import { ApiError, makeApi } from './api.ts';
import type { ForumView, PostView } from './domain.ts';
import { h, on, uniqueId } from './dom.ts';
import { composer, guestPolicy, openEdit, openReply, type ComposerDeps } from './composer.ts';
import { strings } from './i18n.ts';
import { live } from './live.ts';
import { loader } from './loader.ts';
import { showPost, type PostViewDeps } from './post-view.ts';
import { sessionLink } from './session-link.ts';
import { owned, rememberVote, voter, type Own } from './store.ts';
import { initialState, step, type Action } from './thread-state.ts';
import { tree } from './tree.ts';

const script = document.currentScript as HTMLScriptElement | null;
const base = new URL(script?.src || '/', location.href).origin;

function mount(box: HTMLElement): void {
  const t = strings(box.dataset.parleyLang || navigator.language || 'en');
  const api = makeApi(base);
  const wording = (e: unknown) => (e instanceof ApiError ? t.errors[e.code] ?? e.message : t.errors.other);

  const count = h('h2', { class: 'parley-count', 'data-count': '0' });
  const sortSel = h('select', { class: 'parley-sort', id: uniqueId('parley-sort-') }, ...(['oldest', 'newest', 'top'] as const).map((v) => h('option', { value: v }, t[v])));
  const status = h('div', { class: 'parley-status', role: 'status', 'aria-live': 'polite' });
  const newbar = h('button', { type: 'button', class: 'parley-newbar', hidden: true });
  const list = h('ol', { class: 'parley-posts' });
  const more = h('button', { type: 'button', class: 'parley-more', hidden: true }, t.more);
  const root = h('section', { class: 'parley', 'aria-label': t.region, 'data-state': 'loading', lang: t.lang });
  const say = (text: string) => {
    status.textContent = text;
  };
  const dark = matchMedia('(prefers-color-scheme: dark)');
  const forced = box.dataset.parleyTheme;
  const themeNow = () => (forced === 'dark' || forced === 'light' ? forced : dark.matches ? 'dark' : 'light');
  const session = sessionLink(base, box.dataset.parleyForum!, t, themeNow());
  /** the forum's settings, once loaded */
  let settings: ForumView['settings'] | undefined;
  /**
   * Comments of the signed-in reader seen on a listed page (their author's profile is the reader):
   * theirs to edit and delete in any browser, even after a live update that carries no profile.
   */
  let usersPosts = new Set<string>();
  /** the reader's own comment: written in this browser (its edit token, or '' for the session's), or the signed-in reader's */
  const own = (v: PostView): Own | undefined => {
    const mine = owned(v.id);
    // a guest's comment: its edit token is enough
    if (mine?.t) return mine;
    // a signed-in reader's: only while that reader is signed in
    const user = session.user();
    if (!user) return undefined;
    if (mine && (mine.u === undefined || mine.u === user.id)) return mine;
    if (v.author?.profile?.id === user.id) usersPosts.add(v.id);
    return usersPosts.has(v.id) ? { t: '', u: user.id } : undefined;
  };
  session.onUser((user) => {
    root.dataset.signedIn = String(!!user);
    // another reader (or none): their comments get (or lose) their buttons
    usersPosts = new Set();
    for (const v of state.shown.values()) {
      const li = posts.li(v.id);
      if (li) showPost(v, li, postDeps);
    }
    // signed in after the first page was read as the public's: the reader's own view may hold more
    if (user && ld.loaded) ld.mergeReaderPage().catch(() => {});
  });

  const postDeps: PostViewDeps = {
    t,
    own,
    editWindowSeconds: () => ld.loaded!.forum.settings.editWindowSeconds,
    avatar: (v) => v.author?.profile?.avatarUrl ?? (own(v)?.t === '' ? session.user()?.avatarUrl : undefined),
    actions: {
      async vote(v, value) {
        try {
          const r = session.user()
            ? await session.call<{ post: PostView }>('vote', { postId: v.id, value })
            : await api<{ post: PostView }>('PUT', `/v1/posts/${v.id}/vote`, { value }, { 'x-parley-voter': voter() });
          rememberVote(v.id, value);
          dispatch({ type: 'answered', post: r.post });
        } catch (e) {
          say(wording(e));
        }
      },
      async report(v, reason) {
        try {
          // signed in, the frame reports as the reader; else as this browser's guest key (one report per reader)
          if (session.user()) await session.call('flag', { postId: v.id, reason });
          else await api('POST', `/v1/posts/${v.id}/flags`, { reason }, { 'x-parley-voter': voter() });
          say(t.reported);
        } catch (e) {
          say(wording(e));
        }
        const li = posts.li(v.id);
        if (li) showPost(state.shown.get(v.id) ?? v, li, postDeps);
      },
      reply: (li, v) => openReply(li, v, formDeps),
      edit: (li, v) => openEdit(li, v, formDeps),
      async remove(v) {
        try {
          const token = owned(v.id)?.t;
          // a signed-in reader's comment is deleted by the session frame, with their token
          const r = token
            ? await api<{ post: PostView }>('POST', `/v1/posts/${v.id}/delete`, undefined, { authorization: `Bearer ${token}` })
            : await session.call<{ post: PostView }>('delete', { postId: v.id });
          dispatch({ type: 'deleted', post: r.post });
        } catch (e) {
          say(wording(e));
        }
      },
    },
  };
  const posts = tree(list, root, (v, li) => showPost(v, li, postDeps));
  const formDeps: ComposerDeps = {
    t,
    api,
    session,
    own,
    settings: () => settings,
    threadId: () => ld.loaded!.thread.id,
    wording,
    say,
    posted: (post) => dispatch({ type: 'posted', post }) ?? posts.li(post.id),
    edited: (post) => void dispatch({ type: 'answered', post }),
    li: posts.li,
  };

  root.append(
    h('header', { class: 'parley-head' }, count, h('label', { class: 'parley-sortby', for: sortSel.id }, t.sort), sortSel),
    session.frame,
    composer(null, formDeps),
    status,
    newbar,
    list,
    more,
  );
  box.replaceChildren(root);

  const theme = () => {
    root.dataset.theme = themeNow();
  };
  theme();
  on(dark, 'change', theme);

  let state = initialState;
  /** Applies an action to the thread and the page; returns the li of the first comment it placed. */
  function dispatch(action: Action): HTMLLIElement | undefined {
    const prev = state;
    const next = step(prev, action, { now: Date.now(), isOwn: (id) => owned(id) !== undefined || usersPosts.has(id) });
    state = next.state;
    const first = posts.apply(next.changes);
    if (state.count !== prev.count || action.type === 'opened') {
      count.textContent = t.comments(state.count);
      count.dataset.count = String(state.count);
    }
    newbar.hidden = state.queued.length === 0;
    if (!newbar.hidden) newbar.textContent = t.newComments(state.queued.length);
    return first;
  }
  const showSeq = () => {
    root.dataset.seq = String(state.seq);
  };

  const ld = loader({
    api,
    box,
    dispatch,
    tree: posts,
    more,
    readerPage: (threadId, q) => (session.user() ? session.call<{ posts: PostView[]; nextCursor: string | null }>('page', { threadId, ...q }) : undefined),
  });
  const load = () =>
    ld.load().then(({ forum }) => {
      settings = forum.settings;
      guestPolicy(root, forum.settings, t);
      showSeq();
      root.dataset.state = 'ready';
    });

  on(newbar, 'click', () => dispatch({ type: 'flushed' })?.focus());
  on(sortSel, 'change', () => ld.sortBy(sortSel.value).catch((e) => say(wording(e))));
  on(more, 'click', async () => {
    more.disabled = true;
    try {
      await ld.next();
    } catch (e) {
      say(wording(e));
    } finally {
      more.disabled = false;
    }
  });

  // single sign-on from the host page, without a click (README.md, "Single sign-on")
  const remoteAuth = box.dataset.parleySso;
  const jwt = box.dataset.parleySsoJwt;
  if (remoteAuth || jwt) session.call('sso', jwt ? { jwt } : { remoteAuth }).catch((e) => say(wording(e)));

  say(t.loading);
  load().then(
    () => {
      say('');
      let connected = false;
      let everUp = false;
      const conn = live(base, ld.loaded!.thread.id, {
        seq: () => state.seq,
        events: (events) => {
          for (const event of events) dispatch({ type: 'event', event });
          showSeq();
        },
        // too far behind to replay: start over from the thread as it is now
        reset: () =>
          load().then(
            () => conn.restart(),
            (e) => say(wording(e)),
          ),
        state: (up) => {
          if (up === connected) return;
          if (everUp) say(up ? t.online : t.offline);
          connected = up;
          everUp = true;
        },
      });
    },
    (e) => {
      root.dataset.state = 'error';
      // a refusal the reader can understand (this site isn't allowed, …) is said as such
      say(e instanceof ApiError && t.errors[e.code] && e.code !== 'network' ? t.errors[e.code] : t.loadFailed);
    },
  );
}

function start(): void {
  if (!document.querySelector('link[data-parley]')) document.head.append(h('link', { rel: 'stylesheet', href: `${base}/widget/parley.css`, 'data-parley': true }));
  for (const box of document.querySelectorAll<HTMLElement>('[data-parley-forum][data-parley-identifier]')) {
    if (box.dataset.parleyMounted) continue;
    box.dataset.parleyMounted = '1';
    mount(box);
  }
}

if (document.readyState === 'loading') on(document, 'DOMContentLoaded', start);
else start();
