// The comment widget. Renders a thread into every element with data-parley-forum and
// data-parley-identifier, keeps it live over the realtime tier, and lets readers post, reply, edit
// and delete their own comments (within the forum's edit window) and vote. Guests' name and email,
// their edit tokens and their votes stay in this browser's localStorage. See README.md.
import { ApiError, makeApi, type ForumView, type PostView, type ThreadView } from './api.ts';
import { h, on } from './dom.ts';
import { strings } from './i18n.ts';
import { live, type LiveEvent } from './live.ts';

interface Own {
  /** edit token */
  t: string;
  /** the message as written (the API returns only the rendered HTML) */
  m: string;
}

const script = document.currentScript as HTMLScriptElement | null;
const base = new URL(script?.src || '/', location.href).origin;

const store = {
  get<T>(key: string): T | undefined {
    try {
      return JSON.parse(localStorage.getItem(`parley:${key}`) ?? 'null') ?? undefined;
    } catch {
      return undefined;
    }
  },
  set(key: string, value: unknown): void {
    try {
      localStorage.setItem(`parley:${key}`, JSON.stringify(value));
    } catch {
      // private mode or full: the widget works, it just forgets
    }
  },
};

/** Keeps the newest `max` entries of a map stored under `key`. */
function remember<T>(key: string, id: string, value: T | undefined, max: number): void {
  const all = store.get<Record<string, T>>(key) ?? {};
  delete all[id];
  if (value !== undefined) all[id] = value;
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - max))) delete all[old];
  store.set(key, all);
}

const owned = (id: string) => store.get<Record<string, Own>>('own')?.[id];
const myVote = (id: string) => store.get<Record<string, number>>('votes')?.[id] ?? 0;

function voter(): string {
  let key = store.get<string>('voter');
  if (!key) {
    key = Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b.toString(16).padStart(2, '0')).join('');
    store.set('voter', key);
  }
  return key;
}

let uid = 0;
/** a burst: more than this many comments from others within BURST_MS go to the "new comments" bar */
const BURST = 3;
const BURST_MS = 2000;

function mount(box: HTMLElement): void {
  const t = strings(box.dataset.parleyLang || navigator.language || 'en');
  const slug = encodeURIComponent(box.dataset.parleyForum!);
  const pageSize = Math.min(100, Math.max(1, Number(box.dataset.parleyPageSize) || 50));
  const api = makeApi(base);
  const wording = (e: unknown) => (e instanceof ApiError ? t.errors[e.code] ?? e.message : t.errors.other);
  const when = (iso: string) => new Date(iso).toLocaleString(t.lang, { dateStyle: 'medium', timeStyle: 'short' });

  let forum: ForumView;
  let thread: ThreadView;
  let seq = 0;
  let sort = 'oldest';
  let cursor: string | null = null;
  let total = 0;
  let conn: ReturnType<typeof live> | undefined;
  let connected = false;
  let everUp = false;
  const posts = new Map<string, { v: PostView; li: HTMLLIElement }>();
  const queued: PostView[] = [];
  const arrivals: number[] = [];
  /** live top-level comments shown while older pages were still to load */
  const tail: HTMLLIElement[] = [];

  const count = h('h2', { class: 'parley-count', 'data-count': '0' });
  const sortSel = h('select', { class: 'parley-sort', id: `parley-sort-${++uid}` }, ...(['oldest', 'newest', 'top'] as const).map((v) => h('option', { value: v }, t[v])));
  const status = h('div', { class: 'parley-status', role: 'status', 'aria-live': 'polite' });
  const newbar = h('button', { type: 'button', class: 'parley-newbar', hidden: true });
  const list = h('ol', { class: 'parley-posts' });
  const more = h('button', { type: 'button', class: 'parley-more', hidden: true }, t.more);
  const root = h(
    'section',
    { class: 'parley', 'aria-label': t.region, 'data-state': 'loading', lang: t.lang },
    h('header', { class: 'parley-head' }, count, h('label', { class: 'parley-sortby', for: sortSel.id }, t.sort), sortSel),
    composer(null),
    status,
    newbar,
    list,
    more,
  );
  box.replaceChildren(root);

  const dark = matchMedia('(prefers-color-scheme: dark)');
  const theme = () => {
    const forced = box.dataset.parleyTheme;
    root.dataset.theme = forced === 'dark' || forced === 'light' ? forced : dark.matches ? 'dark' : 'light';
  };
  theme();
  on(dark, 'change', theme);

  const say = (text: string) => {
    status.textContent = text;
  };
  const setCount = (n: number) => {
    total = Math.max(0, n);
    count.textContent = t.comments(total);
    count.dataset.count = String(total);
  };

  // ---- posts

  function body(v: PostView): HTMLDivElement {
    const div = h('div', { class: 'parley-body' });
    div.innerHTML = v.html; // rendered and sanitized by the server: the only HTML the widget inserts
    return div;
  }

  function button(cls: string, label: string, fn: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
    const b = h('button', { type: 'button', class: cls, ...attrs }, label);
    on(b, 'click', fn);
    return b;
  }

  function article(v: PostView, li: HTMLLIElement): HTMLElement {
    const gone = v.tombstone || v.status === 'deleted';
    const own = owned(v.id);
    const vote = myVote(v.id);
    const editable = own && !gone && Date.parse(v.createdAt) + forum.settings.editWindowSeconds * 1000 > Date.now();
    return h(
      'article',
      { 'aria-label': v.author ? t.by(v.author.name) : t.deleted },
      h(
        'header',
        { class: 'parley-meta' },
        h('span', { class: 'parley-author' }, v.author?.name ?? ''),
        h('time', { class: 'parley-time', datetime: v.createdAt }, when(v.createdAt)),
        v.editedAt && h('span', { class: 'parley-edited' }, t.edited),
      ),
      gone ? h('p', { class: 'parley-note' }, t.deleted) : body(v),
      v.status === 'pending' && h('p', { class: 'parley-note' }, t.pending),
      !gone &&
        h(
          'footer',
          { class: 'parley-actions' },
          v.status === 'approved' && button('parley-upvote', '▲', () => castVote(v.id, vote === 1 ? 0 : 1), { 'aria-label': t.upvote, 'aria-pressed': String(vote === 1) }),
          h('span', { class: 'parley-score', title: t.score }, String(v.score)),
          v.status === 'approved' && button('parley-downvote', '▼', () => castVote(v.id, vote === -1 ? 0 : -1), { 'aria-label': t.downvote, 'aria-pressed': String(vote === -1) }),
          v.status === 'approved' && button('parley-reply', t.reply, () => openReply(li, v)),
          editable && button('parley-edit', t.edit, () => openEdit(li, v)),
          own && deleteButton(v),
        ),
    );
  }

  function show(v: PostView, li: HTMLLIElement): void {
    li.dataset.status = v.tombstone ? 'deleted' : v.status;
    li.dataset.depth = String(v.depth);
    const art = article(v, li);
    const old = li.querySelector(':scope > article');
    if (!old) return void li.prepend(art);
    // redrawing must not take the reader's focus away (a vote, someone else's edit)
    const focused = old.contains(document.activeElement) ? (document.activeElement as HTMLElement).className : '';
    old.replaceWith(art);
    if (focused) (art.querySelector<HTMLElement>(`.${focused.split(' ')[0]}`) ?? li).focus();
  }

  function render(v: PostView): HTMLLIElement {
    const li = h('li', { class: 'parley-post', id: `parley-post-${v.id}`, tabindex: '-1', 'data-post-id': v.id });
    show(v, li);
    posts.set(v.id, { v, li });
    return li;
  }

  const repliesOf = (li: HTMLLIElement) => {
    let ol = li.querySelector<HTMLOListElement>(':scope > ol.parley-replies');
    if (!ol) li.append((ol = h('ol', { class: 'parley-replies' })));
    return ol;
  };

  /** Puts a post where it belongs; false for a live reply whose parent isn't on the page. */
  function place(v: PostView, isLive: boolean): HTMLLIElement | undefined {
    const parent = v.parentId ? posts.get(v.parentId) : undefined;
    if (isLive && v.parentId && !parent) return undefined;
    const li = render(v);
    if (parent) repliesOf(parent.li).append(li);
    else if (isLive && sort === 'newest') list.prepend(li);
    else if (isLive) {
      // shown at once, at the end; pages loaded later go in before it, so the order stays right
      list.append(li);
      if (cursor) tail.push(li);
    } else {
      const anchor = tail.find((x) => x.isConnected);
      if (anchor) list.insertBefore(li, anchor);
      else list.append(li);
    }
    return li;
  }

  function update(v: PostView): void {
    const have = posts.get(v.id);
    if (!have) return;
    const gone = v.tombstone || v.status === 'deleted';
    if (gone && !have.li.querySelector('.parley-post')) return drop(v.id);
    have.v = v;
    show(v, have.li);
  }

  function drop(id: string): void {
    const have = posts.get(id);
    if (!have) return;
    if (have.li.contains(document.activeElement)) root.focus();
    have.li.remove();
    posts.delete(id);
  }

  // ---- live events

  function arrive(v: PostView): void {
    const now = Date.now();
    arrivals.push(now);
    while (arrivals[0] < now - BURST_MS) arrivals.shift();
    if (owned(v.id) || (queued.length === 0 && arrivals.length <= BURST)) {
      place(v, true);
      return;
    }
    // a burst: don't move the page under the reader
    queued.push(v);
    newbar.textContent = t.newComments(queued.length);
    newbar.hidden = false;
  }

  on(newbar, 'click', () => {
    const first = queued.map((v) => place(v, true)).find(Boolean);
    queued.length = 0;
    arrivals.length = 0;
    newbar.hidden = true;
    first?.focus();
  });

  function apply(events: LiveEvent[]): void {
    for (const e of events) {
      seq = e.seq;
      const id = e.post?.id ?? e.postId;
      const q = queued.findIndex((v) => v.id === id);
      const visible = e.post && !e.post.tombstone && e.post.status === 'approved';
      const wasVisible = (id && posts.get(id)?.v.status === 'approved') || q >= 0;
      if (q >= 0) {
        if (visible) queued[q] = e.post!;
        else queued.splice(q, 1);
      }
      if (e.type === 'hidden') {
        const have = posts.get(e.postId!);
        // the author keeps seeing their own comment while it awaits moderation
        if (have && !(have.v.status === 'pending' && owned(have.v.id))) {
          if (have.li.querySelector('.parley-post')) update({ ...have.v, status: 'deleted', tombstone: true, author: null, html: '' });
          else drop(have.v.id);
        }
      } else if (e.post && id) {
        if (posts.has(id)) update(e.post);
        else if (visible && q < 0 && /^Post(Created|Approved|Restored)$/.test(e.type)) arrive(e.post);
      }
      // the count follows publications and removals; votes and edits leave it alone
      if (visible && !wasVisible && /^Post(Created|Approved|Restored)$/.test(e.type)) setCount(total + 1);
      else if (!visible && wasVisible) setCount(total - 1);
    }
    if (queued.length === 0) newbar.hidden = true;
    else newbar.textContent = t.newComments(queued.length);
    root.dataset.seq = String(seq);
  }

  // ---- actions

  async function castVote(id: string, value: number): Promise<void> {
    try {
      const r = await api<{ post: PostView }>('PUT', `/v1/posts/${id}/vote`, { value }, { 'x-parley-voter': voter() });
      remember('votes', id, value || undefined, 500);
      update(r.post);
    } catch (e) {
      say(wording(e));
    }
  }

  function deleteButton(v: PostView): HTMLButtonElement {
    let armed = false;
    const b = button('parley-delete', t.delete, async () => {
      if (!armed) {
        armed = true;
        b.textContent = t.confirmDelete;
        return;
      }
      try {
        const r = await api<{ post: PostView }>('POST', `/v1/posts/${v.id}/delete`, undefined, { authorization: `Bearer ${owned(v.id)?.t}` });
        // the deletion's event may have come first and counted it already
        if (posts.get(v.id)?.v.status === 'approved') setCount(total - 1);
        update(r.post);
      } catch (e) {
        say(wording(e));
      }
    });
    on(b, 'blur', () => {
      armed = false;
      b.textContent = t.delete;
    });
    return b;
  }

  function closeForms(li: HTMLLIElement): void {
    li.querySelector(':scope > form')?.remove();
  }

  function openReply(li: HTMLLIElement, v: PostView): void {
    closeForms(li);
    const form = composer(v);
    li.querySelector(':scope > article')!.after(form);
    form.querySelector('textarea')!.focus();
  }

  function openEdit(li: HTMLLIElement, v: PostView): void {
    closeForms(li);
    const own = owned(v.id);
    if (!own) return;
    const ta = h('textarea', { name: 'message', rows: '4', 'aria-label': t.edit });
    ta.value = own.m;
    const err = h('p', { class: 'parley-error', role: 'alert' });
    const cancel = button('parley-cancel', t.cancel, () => {
      form.remove();
      li.focus();
    });
    const form = h('form', { class: 'parley-editor' }, ta, err, h('div', { class: 'parley-buttons' }, h('button', { type: 'submit', class: 'parley-save' }, t.save), cancel));
    on(form, 'keydown', (e: KeyboardEvent) => e.key === 'Escape' && cancel.click());
    on(form, 'submit', async (e) => {
      e.preventDefault();
      try {
        const r = await api<{ post: PostView }>('PATCH', `/v1/posts/${v.id}`, { message: ta.value }, { authorization: `Bearer ${own.t}` });
        remember('own', v.id, { ...own, m: ta.value }, 200);
        form.remove();
        update(r.post);
        li.focus();
      } catch (e2) {
        err.textContent = wording(e2);
      }
    });
    li.querySelector(':scope > article')!.after(form);
    ta.focus();
  }

  function help(): HTMLDetailsElement {
    return h(
      'details',
      { class: 'parley-help' },
      h('summary', {}, t.help),
      h('dl', {}, ...t.helpRows.flatMap(([code, what]) => [h('dt', {}, h('code', {}, code)), h('dd', {}, what)])),
    );
  }

  function composer(parent: PostView | null): HTMLFormElement {
    const id = `parley-${++uid}`;
    const saved = store.get<{ name?: string; email?: string; notify?: boolean }>('author') ?? {};
    const field = (name: string, label: string, attrs: Record<string, string>) => {
      const input = h('input', { name, id: id + name, ...attrs });
      input.value = (saved as Record<string, string>)[name] ?? '';
      return [h('label', { for: id + name }, label), input] as const;
    };
    const [nameLabel, name] = field('name', t.name, { autocomplete: 'name', maxlength: '64' });
    const [emailLabel, email] = field('email', t.email, { type: 'email', autocomplete: 'email' });
    const msg = h('textarea', { name: 'message', id: `${id}m`, rows: parent ? '3' : '4' });
    const notify = h('input', { type: 'checkbox', name: 'notify' });
    notify.checked = !!saved.notify;
    const err = h('p', { class: 'parley-error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'parley-submit' }, t.post);
    const form = h(
      'form',
      { class: 'parley-composer', novalidate: true },
      h('label', { for: `${id}m` }, parent ? t.replyTo(parent.author?.name ?? '') : t.message),
      msg,
      h('div', { class: 'parley-who' }, h('div', {}, nameLabel, name), h('div', {}, emailLabel, email)),
      h('label', { class: 'parley-check' }, notify, t.notify),
      help(),
      err,
      h(
        'div',
        { class: 'parley-buttons' },
        submit,
        parent &&
          button('parley-cancel', t.cancel, () => {
            form.remove();
            posts.get(parent.id)?.li.focus();
          }),
      ),
    );
    on(form, 'keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
      if (e.key === 'Escape' && parent) form.querySelector<HTMLButtonElement>('.parley-cancel')?.click();
    });
    on(form, 'submit', async (e) => {
      e.preventDefault();
      if (submit.disabled) return;
      err.textContent = '';
      submit.disabled = true;
      submit.textContent = t.posting;
      const author = { name: name.value.trim(), email: email.value.trim(), notify: notify.checked };
      store.set('author', author);
      try {
        const r = await api<{ post: PostView; editToken?: string }>('POST', `/v1/threads/${thread.id}/posts`, {
          message: msg.value,
          author: { name: author.name, email: author.email },
          notify: author.notify,
          ...(parent ? { parentId: parent.id } : {}),
        });
        if (r.editToken) remember<Own>('own', r.post.id, { t: r.editToken, m: msg.value }, 200);
        msg.value = '';
        if (parent) form.remove();
        // its event may have come first: shown already, or held for the "new comments" bar (and counted)
        const q = queued.findIndex((x) => x.id === r.post.id);
        if (q >= 0) queued.splice(q, 1);
        newbar.textContent = t.newComments(queued.length);
        newbar.hidden = queued.length === 0;
        let li = posts.get(r.post.id)?.li;
        if (li) update(r.post);
        else {
          li = place(r.post, true) ?? place({ ...r.post, parentId: null }, true)!;
          if (q < 0 && r.post.status === 'approved') setCount(total + 1);
        }
        say(r.post.status === 'pending' ? t.postedPending : t.posted);
        li.focus();
      } catch (e2) {
        err.textContent = wording(e2);
      } finally {
        submit.disabled = false;
        submit.textContent = t.post;
      }
    });
    return form;
  }

  // ---- loading

  async function page(fresh: boolean): Promise<void> {
    if (fresh) {
      cursor = null;
      posts.clear();
      tail.length = 0;
      list.replaceChildren();
      queued.length = 0;
      newbar.hidden = true;
    }
    const q = `sort=${sort}&limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await api<{ posts: PostView[]; nextCursor: string | null }>('GET', `/v1/threads/${thread.id}/posts?${q}`);
    for (const v of r.posts) if (!posts.has(v.id)) place(v, false);
    cursor = r.nextCursor;
    more.hidden = !cursor;
  }

  async function load(): Promise<void> {
    const [f, th] = await Promise.all([
      api<{ forum: ForumView }>('GET', `/v1/forums/${slug}`),
      api<{ thread: ThreadView }>('POST', `/v1/forums/${slug}/threads`, {
        identifier: box.dataset.parleyIdentifier,
        url: box.dataset.parleyUrl || location.href.split('#')[0],
        ...(box.dataset.parleyTitle || document.title ? { title: box.dataset.parleyTitle || document.title } : {}),
      }),
    ]);
    forum = f.forum;
    thread = th.thread;
    seq = thread.lastSeq;
    await page(true);
    let shown = 0;
    for (const { v } of posts.values()) if (v.status === 'approved') shown++;
    setCount(cursor ? Math.max(thread.postCount, shown) : shown);
    root.dataset.seq = String(seq);
    root.dataset.state = 'ready';
  }

  on(sortSel, 'change', async () => {
    sort = sortSel.value;
    try {
      await page(true);
    } catch (e) {
      say(wording(e));
    }
  });
  on(more, 'click', async () => {
    more.disabled = true;
    try {
      await page(false);
    } catch (e) {
      say(wording(e));
    } finally {
      more.disabled = false;
    }
  });

  say(t.loading);
  load().then(
    () => {
      say('');
      conn = live(base, thread.id, {
        seq: () => seq,
        events: apply,
        // too far behind to replay: start over from the thread as it is now
        reset: () =>
          load().then(
            () => conn!.restart(),
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
