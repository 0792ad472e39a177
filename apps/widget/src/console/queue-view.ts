// The live queue, one of four at a time (held, spam, flagged, shadowed; newest first), with actions
// per item, in bulk, and by keyboard (j/k move, a approve, s spam, d delete, b ban the author,
// x select). Each action changes one post through its own route (bulk: the queue's actions route,
// still one statement per post) and the item is placed by the queue the post is in afterwards; the
// live subscription (live-queue.ts) places what other moderators and new comments change.
import { h, on } from '../dom.ts';
import { queueOf } from '../../../../packages/domain/src/queue.ts';
import { banForm } from './ban-form.ts';
import { messageOf } from './client.ts';
import { startLiveQueue } from './live-queue.ts';
import { itemView, showReports, type Action } from './queue-item.ts';
import { queueFilters } from './queue-filters.ts';
import type { ConsoleContext, Tab } from './main.ts';
import type { PostStatus } from '../domain.ts';
import type { PostView, QueueItem } from './types.ts';

export const HELP = 'Keys: j / k next / previous · a approve · s spam · d delete · b ban the author · x select';
const DONE: Record<string, string> = { approve: 'Approved', spam: 'Marked as spam', delete: 'Deleted' };
type PostAction = 'approve' | 'spam' | 'delete';

export function queueView(ctx: ConsoleContext): Tab {
  const filters = queueFilters();
  const all = h('input', { type: 'checkbox', class: 'console-check-all', 'aria-label': 'Select all' });
  const bulk = (['approve', 'spam', 'delete'] as const).map((a) => h('button', { type: 'button', class: `console-bulk-${a}`, 'data-action': a, disabled: true }, `${a[0].toUpperCase()}${a.slice(1)} selected`));
  const list = h('ol', { class: 'console-queue', 'aria-label': 'Queue' });
  const empty = h('p', { class: 'console-empty' }, 'Nothing waits here.');
  const more = h('button', { type: 'button', class: 'console-more', hidden: true }, 'Load more');
  const el = h(
    'section',
    { class: 'console-tab console-queue-tab' },
    filters.el,
    h('div', { class: 'console-toolbar' }, h('label', {}, all, ' all'), ...bulk),
    h('p', { class: 'console-help' }, HELP),
    list,
    empty,
    more,
  );
  const items = new Map<string, { item: QueueItem; li: HTMLLIElement }>();
  let cursor: string | null = null;
  let selected: string | undefined;
  let started = false;
  /** live changes that arrive while a page loads: applied after it, since they are newer */
  let held: QueueItem[] | undefined;

  const ids = () => [...list.children].map((li) => (li as HTMLElement).dataset.postId!);
  const box = (id: string) => items.get(id)!.li.querySelector<HTMLInputElement>('.console-check')!;
  const checked = () => ids().filter((id) => box(id).checked);
  const refresh = () => {
    empty.hidden = items.size > 0;
    const n = checked().length;
    for (const b of bulk) b.disabled = n === 0;
    all.checked = n > 0 && n === items.size;
  };
  const select = (id: string | undefined, focus = true) => {
    if (selected) items.get(selected)?.li.setAttribute('aria-selected', 'false');
    selected = id && items.has(id) ? id : undefined;
    const li = selected ? items.get(selected)!.li : undefined;
    li?.setAttribute('aria-selected', 'true');
    if (li && focus) {
      li.focus({ preventScroll: true });
      li.scrollIntoView({ block: 'nearest' });
    }
  };
  const remove = (id: string) => {
    const it = items.get(id);
    if (!it) return;
    const order = ids();
    const at = order.indexOf(id);
    it.li.remove();
    items.delete(id);
    if (selected === id) select(order[at + 1] ?? order[at - 1], document.activeElement === document.body || document.activeElement === it.li);
    refresh();
  };
  /** Places an item by the queue its post is in now: shown (in id order, newest first), redrawn, or taken out. */
  const place = (item: QueueItem) => {
    if (!filters.matches(item)) return remove(item.id);
    const old = items.get(item.id);
    const li = itemView(item);
    if (old) {
      li.querySelector<HTMLInputElement>('.console-check')!.checked = box(item.id).checked;
      li.setAttribute('aria-selected', old.li.getAttribute('aria-selected')!);
      const form = old.li.querySelector('.console-ban-form');
      if (form) li.append(form);
      old.li.replaceWith(li);
      if (selected === item.id && document.activeElement === old.li) li.focus({ preventScroll: true });
    } else {
      const after = ids().find((id) => BigInt(id) < BigInt(item.id));
      list.insertBefore(li, after ? items.get(after)!.li : null);
    }
    items.set(item.id, { item, li });
    refresh();
  };
  /** An item after this console changed its post: the old item with the post's new state. */
  const changed = (id: string, post: Partial<PostView> & { status: PostStatus }) => {
    const old = items.get(id)?.item;
    if (!old) return;
    const next = { ...old, ...post } as QueueItem;
    place({ ...next, queue: queueOf({ status: next.status, flagCount: next.moderation?.flagCount ?? 0 }) });
  };

  const act = async (id: string, action: PostAction) => {
    try {
      const { post } = await ctx.call<{ post: PostView }>('POST', `/v1/posts/${id}/${action}`);
      changed(id, post);
      ctx.say(`${DONE[action]}: the comment by ${post.author?.name ?? 'its author'}.`);
    } catch (err) {
      ctx.say(messageOf(err));
    }
  };
  const ban = (id: string) => {
    const it = items.get(id);
    if (!it) return;
    const open = it.li.querySelector<HTMLFormElement>('.console-ban-form');
    if (open) return open.querySelector<HTMLElement>('select, input')?.focus();
    const author = it.item.author?.name ?? 'the author';
    const form = banForm(
      ctx,
      { postId: id, author },
      ([b]) => {
        form.remove();
        items.get(id)?.li.setAttribute('data-banned', b.mode);
        ctx.say(`${author} is ${b.mode === 'shadow' ? 'shadow banned' : 'banned'}${b.expiresAt ? ` until ${new Date(b.expiresAt).toLocaleString()}` : ''}.`);
      },
      () => form.remove(),
    );
    it.li.append(form);
    form.querySelector<HTMLElement>('select[name=mode]')!.focus();
  };
  const runBulk = async (action: PostAction) => {
    const postIds = checked();
    if (!postIds.length) return;
    try {
      const { results } = await ctx.call<{ results: { postId: string; status?: PostStatus; error?: { message: string } }[] }>('POST', `${ctx.base}/queue/actions`, { action, postIds });
      for (const r of results) if (r.status) changed(r.postId, { status: r.status });
      const failed = results.filter((r) => r.error);
      ctx.say(`${DONE[action]}: ${results.length - failed.length} of ${results.length}.${failed.length ? ` Not changed: ${failed.length} (${failed[0].error!.message})` : ''}`);
    } catch (err) {
      ctx.say(messageOf(err));
    }
  };

  // each load is numbered: an answer for a query that a newer one replaced (filters changed while
  // it was on its way) is dropped, so the list never shows another filter's comments
  let loads = 0;
  const load = async (reset: boolean) => {
    const q = filters.query();
    if (!reset && cursor) q.set('cursor', cursor);
    if (reset) held ??= [];
    const mine = ++loads;
    try {
      const res = await ctx.call<{ items: QueueItem[]; nextCursor: string | null }>('GET', `${ctx.base}/queue?${q}`);
      if (mine !== loads) return;
      if (reset) {
        const fresh = new Set(res.items.map((i) => i.id));
        for (const id of ids()) if (!fresh.has(id)) remove(id);
      }
      for (const item of res.items) place(item);
      cursor = res.nextCursor;
      more.hidden = !cursor;
      if (!selected) select(ids()[0], false);
    } catch (err) {
      ctx.say(messageOf(err));
    } finally {
      if (reset && mine === loads) {
        const later = held ?? [];
        held = undefined;
        later.forEach(place);
      }
      refresh();
    }
  };

  on(list, 'click', (e) => {
    const t = e.target as HTMLElement;
    const li = t.closest<HTMLElement>('li.console-item');
    if (!li) return;
    const id = li.dataset.postId!;
    if (t.matches('.console-check')) return refresh();
    if (t.closest('form')) return;
    select(id, false);
    const code = t.closest<HTMLElement>('.console-reasons li[data-code]')?.dataset.code;
    if (code && code !== 'flagged' && t.closest('b')) return filters.byReason(code);
    if (t.closest('button.console-reports')) return void showReports(ctx, li, id);
    const action = t.closest<HTMLElement>('button[data-action]')?.dataset.action as Action | undefined;
    if (action === 'ban') ban(id);
    else if (action) void act(id, action);
  });
  on(all, 'change', () => {
    for (const id of ids()) box(id).checked = all.checked;
    refresh();
  });
  for (const b of bulk) on(b, 'click', () => void runBulk(b.dataset.action as PostAction));
  filters.onChange(() => {
    list.replaceChildren();
    items.clear();
    selected = undefined;
    // the last answer's cursor belongs to the old filters
    cursor = null;
    more.hidden = true;
    void load(true);
  });
  on(more, 'click', () => void load(false));

  const move = (by: number) => {
    const order = ids();
    if (!order.length) return;
    const at = selected ? order.indexOf(selected) : -1;
    select(order[Math.max(0, Math.min(order.length - 1, at + by))]);
  };
  const keys: Record<string, () => void> = {
    j: () => move(1),
    k: () => move(-1),
    a: () => selected && void act(selected, 'approve'),
    s: () => selected && void act(selected, 'spam'),
    d: () => selected && void act(selected, 'delete'),
    b: () => selected && ban(selected),
    x: () => {
      if (selected) box(selected).checked = !box(selected).checked;
      refresh();
    },
  };

  return {
    el,
    show() {
      if (started) return;
      started = true;
      void load(true);
      startLiveQueue(ctx, {
        changes: (changed) => (held ? held.push(...changed) : changed.forEach(place)),
        reload: () => void load(true),
      });
    },
    key(e) {
      const fn = keys[e.key];
      if (!fn) return;
      e.preventDefault();
      fn();
    },
  };
}
