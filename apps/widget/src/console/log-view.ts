// The moderation log: who did what to which comment, and when, newest first, a page at a time.
import { h, on } from '../dom.ts';
import { messageOf } from './client.ts';
import type { ConsoleContext, Tab } from './main.ts';

/** An entry as docs/api.md ("Moderation queue") gives it. */
export interface LogEntry {
  id: string;
  at: string;
  /** `admin`, `user:<id>`, `moderator:<forum id>` (the shared key), `guest:…`, `system` */
  actor: string;
  type: string;
  postId: string | null;
  threadId: string | null;
  status?: string;
  reasons?: { code: string; detail: string }[];
  userId?: string;
  role?: string;
}

const actorName = (a: string) => (a.startsWith('moderator:') ? 'the moderator key' : a.startsWith('guest:') ? 'the author' : a);

export function logView(ctx: ConsoleContext): Tab {
  const list = h('ol', { class: 'console-log', 'aria-label': 'Moderation log' });
  const more = h('button', { type: 'button', class: 'console-more', hidden: true }, 'Older');
  const refresh = h('button', { type: 'button', class: 'console-refresh' }, 'Refresh');
  const error = h('p', { class: 'console-error', role: 'alert' });
  let cursor: string | null = null;

  const row = (e: LogEntry) =>
    h(
      'li',
      { class: 'console-log-entry', 'data-type': e.type, 'data-post-id': e.postId ?? undefined },
      h('time', { datetime: e.at }, new Date(e.at).toLocaleString()),
      ' ',
      h('strong', { class: 'console-actor' }, actorName(e.actor)),
      ' ',
      h('span', { class: 'console-log-type' }, e.type),
      e.postId ? h('span', {}, ` comment ${e.postId}${e.status ? ` (now ${e.status})` : ''}`) : null,
      e.userId ? h('span', {}, ` user ${e.userId}${e.role ? ` as ${e.role}` : ''}`) : null,
      e.reasons?.length ? h('span', { class: 'console-note' }, ` · ${e.reasons.map((r) => r.code).join(', ')}`) : null,
    );
  const load = async (reset: boolean) => {
    error.textContent = '';
    const q = new URLSearchParams({ limit: '50' });
    if (!reset && cursor) q.set('cursor', cursor);
    try {
      const res = await ctx.call<{ entries: LogEntry[]; nextCursor: string | null }>('GET', `${ctx.base}/moderation-log?${q}`);
      if (reset) list.replaceChildren();
      list.append(...res.entries.map(row));
      cursor = res.nextCursor;
      more.hidden = !cursor;
    } catch (err) {
      error.textContent = messageOf(err);
    }
  };
  on(more, 'click', () => void load(false));
  on(refresh, 'click', () => void load(true));
  const el = h('section', { class: 'console-tab console-log-tab' }, h('h2', {}, 'Moderation log'), refresh, error, list, more);
  return { el, show: () => void load(true) };
}
