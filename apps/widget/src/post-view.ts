// One comment on the page: its article (author, time, body, notes, votes and actions) inside its
// li.parley-post, redrawn in place when the comment changes. What a reader may do with it follows
// the domain's rules (votable, editable, awaiting moderation); doing it is the caller's (PostActions).
import { awaitingModerationStatuses, editableStatuses, flagReasons, isPublished, votableStatuses, type FlagReason, type PostView } from './domain.ts';
import { h, on } from './dom.ts';
import type { Text } from './i18n.ts';
import { myVote, type Own } from './store.ts';
import { isGone } from './thread-state.ts';

export interface PostActions {
  vote(v: PostView, value: number): void;
  reply(li: HTMLLIElement, v: PostView): void;
  edit(li: HTMLLIElement, v: PostView): void;
  /** the reader confirmed deleting their own comment */
  remove(v: PostView): void;
  /** the reader reports someone else's published comment to the moderators */
  report(v: PostView, reason: FlagReason): void;
}

export interface PostViewDeps {
  t: Text;
  /** the reader's own comment: written in this browser, or by the signed-in reader anywhere */
  own(v: PostView): Own | undefined;
  /** the forum's edit window, known once the forum has loaded */
  editWindowSeconds(): number;
  /** the author's picture, if any: a registered author's profile, or the signed-in reader's own */
  avatar(v: PostView): string | null | undefined;
  actions: PostActions;
}

export function button(cls: string, label: string, fn: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls, ...attrs }, label);
  on(b, 'click', fn);
  return b;
}

function body(v: PostView): HTMLDivElement {
  const div = h('div', { class: 'parley-body' });
  div.innerHTML = v.html; // rendered and sanitized by the server: the only HTML the widget inserts
  return div;
}

/** Asks once more ("Really delete?") before deleting; forgets the question on blur. */
function deleteButton(v: PostView, d: PostViewDeps): HTMLButtonElement {
  let armed = false;
  const b = button('parley-delete', d.t.delete, () => {
    if (armed) return d.actions.remove(v);
    armed = true;
    b.textContent = d.t.confirmDelete;
  });
  on(b, 'blur', () => {
    armed = false;
    b.textContent = d.t.delete;
  });
  return b;
}

/** "Report", then the reasons to pick from: picking one sends the report. */
function reportButton(v: PostView, t: Text, report: PostActions['report']): HTMLButtonElement {
  const b = button('parley-report', t.report, () => {
    const pick = h('select', { class: 'parley-report-reason', 'aria-label': t.reportWhy }, h('option', { value: '' }, t.reportWhy), ...flagReasons.map((r) => h('option', { value: r }, t.reasons[r])));
    on(pick, 'change', () => pick.value && report(v, pick.value as FlagReason));
    b.replaceWith(pick);
    pick.focus();
  });
  return b;
}

function article(v: PostView, li: HTMLLIElement, d: PostViewDeps): HTMLElement {
  const { t, actions } = d;
  const gone = isGone(v);
  const own = d.own(v);
  const vote = myVote(v.id);
  const votable = votableStatuses.includes(v.status);
  const editable = own && editableStatuses.includes(v.status) && Date.parse(v.createdAt) + d.editWindowSeconds() * 1000 > Date.now();
  const when = new Date(v.createdAt).toLocaleString(t.lang, { dateStyle: 'medium', timeStyle: 'short' });
  const avatar = !gone && d.avatar(v);
  return h(
    'article',
    { 'aria-label': v.author ? t.by(v.author.name) : t.deleted },
    h(
      'header',
      { class: 'parley-meta' },
      avatar && /^https?:\/\//.test(avatar) && h('img', { class: 'parley-avatar', src: avatar, alt: '', width: '24', height: '24', loading: 'lazy' }),
      h('span', { class: 'parley-author' }, v.author?.name ?? ''),
      h('time', { class: 'parley-time', datetime: v.createdAt }, when),
      v.editedAt && h('span', { class: 'parley-edited' }, t.edited),
    ),
    gone ? h('p', { class: 'parley-note' }, t.deleted) : body(v),
    awaitingModerationStatuses.includes(v.status) && h('p', { class: 'parley-note' }, t.pending),
    !gone &&
      h(
        'footer',
        { class: 'parley-actions' },
        votable && button('parley-upvote', '▲', () => actions.vote(v, vote === 1 ? 0 : 1), { 'aria-label': t.upvote, 'aria-pressed': String(vote === 1) }),
        h('span', { class: 'parley-score', title: t.score }, String(v.score)),
        votable && button('parley-downvote', '▼', () => actions.vote(v, vote === -1 ? 0 : -1), { 'aria-label': t.downvote, 'aria-pressed': String(vote === -1) }),
        // a reader replies only to a published comment (the API refuses the rest)
        isPublished(v.status) && button('parley-reply', t.reply, () => actions.reply(li, v)),
        editable && button('parley-edit', t.edit, () => actions.edit(li, v)),
        own && deleteButton(v, d),
        !own && isPublished(v.status) && reportButton(v, t, actions.report),
      ),
  );
}

/** Draws (or redraws) a comment into its li, keeping the reader's focus where it was. */
export function showPost(v: PostView, li: HTMLLIElement, d: PostViewDeps): void {
  li.dataset.status = v.tombstone ? 'deleted' : v.status;
  li.dataset.depth = String(v.depth);
  const art = article(v, li, d);
  const old = li.querySelector(':scope > article');
  if (!old) return void li.prepend(art);
  // redrawing must not take the reader's focus away (a vote, someone else's edit)
  const focused = old.contains(document.activeElement) ? (document.activeElement as HTMLElement).className : '';
  old.replaceWith(art);
  if (focused) (art.querySelector<HTMLElement>(`.${focused.split(' ')[0]}`) ?? li).focus();
}
