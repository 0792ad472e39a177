// One queue item: the author, the thread, the comment (the server's sanitized HTML, the only HTML
// the console inserts), the reasons it is in the queue, how many readers flagged it, and its
// buttons. `li.console-item[data-post-id][data-status]`; `aria-selected` marks the keyboard's item.
import { h } from '../dom.ts';
import { messageOf } from './client.ts';
import type { ConsoleContext } from './main.ts';
import type { QueueItem } from './types.ts';

export const ACTIONS = ['approve', 'spam', 'delete', 'ban'] as const;
export type Action = (typeof ACTIONS)[number];
const LABELS: Record<Action, string> = { approve: 'Approve', spam: 'Spam', delete: 'Delete', ban: 'Ban author' };
const STATUS: Record<string, string> = { pending: 'held', spam: 'spam', shadowed: 'shadowed', approved: 'approved (flagged)', deleted: 'deleted' };

export function itemView(item: QueueItem): HTMLLIElement {
  const reasons = item.moderation?.reasons ?? [];
  const flags = item.moderation?.flagCount ?? 0;
  const when = new Date(item.createdAt);
  const { thread } = item;
  const threadName = thread?.title || thread?.identifier || `thread ${item.threadId}`;
  // who wrote it, as moderators may know: the account's id, or the guest's email
  const who = item.authorUserId ? `user ${item.authorUserId}` : item.authorEmail ?? 'guest';
  const body = h('div', { class: 'console-body' });
  body.innerHTML = item.html;
  const li = h(
    'li',
    { class: 'console-item', 'data-post-id': item.id, 'data-status': item.status, 'data-queue': item.queue ?? '', tabindex: '-1', 'aria-selected': 'false' },
    h(
      'div',
      { class: 'console-item-head' },
      h('input', { type: 'checkbox', class: 'console-check', 'aria-label': `Select the comment by ${item.author?.name ?? 'unknown'}` }),
      h('strong', { class: 'console-author' }, item.author?.name ?? '(deleted)'),
      h('span', { class: 'console-author-id' }, who),
      h('span', { class: 'console-thread' }, 'on ', thread?.url ? h('a', { href: thread.url, target: '_blank', rel: 'noopener noreferrer' }, threadName) : threadName),
      h('time', { class: 'console-time', datetime: item.createdAt }, when.toLocaleString()),
      h('span', { class: 'console-badge' }, STATUS[item.status] ?? item.status),
    ),
    body,
    reasons.length || flags
      ? h(
          'ul',
          { class: 'console-reasons', 'aria-label': 'Why it is here' },
          ...reasons.map((r) => h('li', { 'data-code': r.code, 'data-phase': r.phase }, h('b', { title: 'Show only this reason' }, r.code), ': ', r.detail)),
          flags ? h('li', { 'data-code': 'flagged' }, `reported by ${flags} reader${flags === 1 ? '' : 's'} `, h('button', { type: 'button', class: 'console-reports' }, 'Show reports')) : null,
        )
      : null,
    h('div', { class: 'console-actions' }, ...ACTIONS.map((a) => h('button', { type: 'button', class: `console-${a}`, 'data-action': a }, LABELS[a]))),
  );
  return li;
}

interface Report {
  reason: string;
  note: string | null;
  createdAt: string;
  reporterUserId: string | null;
}

/** Readers' reports of a comment (GET /v1/posts/:id/flags), listed under its reasons. */
export async function showReports(ctx: ConsoleContext, li: HTMLElement, id: string): Promise<void> {
  try {
    const { flags, more } = await ctx.call<{ flags: Report[]; more: boolean }>('GET', `/v1/posts/${id}/flags`);
    const list = h(
      'ul',
      { class: 'console-report-list' },
      ...flags.map((f) => h('li', {}, h('b', {}, f.reason), f.note ? `: ${f.note}` : '', ` (${f.reporterUserId ? `user ${f.reporterUserId}` : 'a guest'}, ${new Date(f.createdAt).toLocaleString()})`)),
      more ? h('li', {}, '…and more') : null,
    );
    li.querySelector('.console-report-list')?.remove();
    li.querySelector('.console-reasons')!.after(list);
  } catch (err) {
    ctx.say(messageOf(err));
  }
}
