// Which part of the queue is shown: one queue (held, spam, flagged, shadowed), and optionally one
// reason code and one author (a user id, a guest's email, or a name as shown), as the queue API
// filters (docs/api.md, "Moderation queue"). Live changes are matched the same way here, so an item
// that arrives live shows only where a reload would show it.
import { h, on } from '../dom.ts';
import type { QueueItem } from './types.ts';

const QUEUES: Record<string, string> = { pending: 'held', spam: 'spam', flagged: 'flagged', shadowed: 'shadowed' };

export interface QueueFilters {
  el: HTMLElement;
  /** the queue shown */
  queue(): string;
  /** the list request's query */
  query(): URLSearchParams;
  /** whether a live item belongs in what is shown */
  matches(item: QueueItem): boolean;
  /** shows only the items held for this reason code */
  byReason(code: string): void;
  onChange(fn: () => void): void;
}

export function queueFilters(): QueueFilters {
  const queue = h('select', { class: 'console-filter', 'aria-label': 'Queue' }, ...Object.entries(QUEUES).map(([v, l]) => h('option', { value: v }, l)));
  const reason = h('input', { class: 'console-reason-filter', name: 'reason', placeholder: 'reason code', 'aria-label': 'Only this reason', spellcheck: 'false', size: '14' });
  const author = h('input', { class: 'console-author-filter', name: 'author', placeholder: 'author: name, email or user id', 'aria-label': 'Only this author', spellcheck: 'false' });
  const form = h('form', { class: 'console-filters', novalidate: true }, h('label', {}, 'Queue ', queue), reason, author, h('button', { type: 'submit' }, 'Filter'));
  const listeners: (() => void)[] = [];
  const changed = () => listeners.forEach((fn) => fn());
  on(queue, 'change', changed);
  on(form, 'submit', (e) => {
    e.preventDefault();
    changed();
  });
  const a = () => author.value.trim();
  const r = () => reason.value.trim();
  return {
    el: form,
    queue: () => queue.value,
    query() {
      const q = new URLSearchParams({ status: queue.value, limit: '50' });
      if (r()) q.set('reason', r());
      if (a()) q.set('author', a());
      return q;
    },
    matches(item) {
      if (item.queue !== queue.value) return false;
      if (r() && !(item.moderation?.reasons ?? []).some((x) => x.code === r())) return false;
      const who = a().toLowerCase();
      if (!who) return true;
      if (/^\d+$/.test(who)) return item.authorUserId === who;
      if (who.includes('@')) return item.authorEmail?.toLowerCase() === who;
      return item.author?.name.toLowerCase() === who;
    },
    byReason(code) {
      reason.value = code;
      changed();
    },
    onChange: (fn) => listeners.push(fn),
  };
}
