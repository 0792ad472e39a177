// The forms a reader writes in: the composer (a new comment, or a reply under its parent) and the
// editor of their own comment. Each sends its request and hands the API's answer to the caller,
// which shows it (thread-state.ts decides how); the guest's name, email and edit tokens are kept
// in store.ts. A signed-in reader's comment goes through the session frame (session-link.ts), as
// that reader; the guest fields are hidden then, by CSS on section.parley[data-signed-in].
import type { Api } from './api.ts';
import { awaitingModerationStatuses, type ForumView, type PostView } from './domain.ts';
import { h, on, uniqueId } from './dom.ts';
import type { Text } from './i18n.ts';
import { button } from './post-view.ts';
import type { SessionLink } from './session-link.ts';
import { rememberOwn, saveAuthor, savedAuthor, type Own } from './store.ts';

// when the widget loaded: a comment sent sooner than a person could write one is a bot's (the
// forum's spamHeuristics.minMsAfterWidgetLoad)
const loadedAt = Date.now();

export interface ComposerDeps {
  t: Text;
  api: Api;
  session: SessionLink;
  /** the reader's own comment (post-view.ts PostViewDeps.own) */
  own(v: PostView): Own | undefined;
  /** the forum's settings, once loaded (its guest policy) */
  settings(): ForumView['settings'] | undefined;
  threadId(): string;
  /** an error as the reader should read it */
  wording(e: unknown): string;
  say(text: string): void;
  /** the API took the reader's comment: show it and return its li */
  posted(post: PostView): HTMLLIElement | undefined;
  /** the API took the reader's edit: show it */
  edited(post: PostView): void;
  li(id: string): HTMLLIElement | undefined;
}

function help(t: Text): HTMLDetailsElement {
  return h(
    'details',
    { class: 'parley-help' },
    h('summary', {}, t.help),
    h('dl', {}, ...t.helpRows.flatMap(([code, what]) => [h('dt', {}, h('code', {}, code)), h('dd', {}, what)])),
  );
}

/**
 * Shows the forum's guest policy: a forum for signed-in readers only hides the guest fields and
 * says to sign in (section.parley[data-guests=sign-in], parley.css); an optional email says so.
 */
export function guestPolicy(root: HTMLElement, settings: ForumView['settings'], t: Text): void {
  root.dataset.guests = settings.guestsMayPost === false ? 'sign-in' : 'allowed';
  if (settings.guestEmailRequired === false) for (const label of root.querySelectorAll('.parley-email-label')) label.textContent = t.emailOptional;
}

/** A form for a new comment; with a parent, a reply to it (with a cancel button). */
export function composer(parent: PostView | null, d: ComposerDeps): HTMLFormElement {
  const { t } = d;
  const id = uniqueId('parley-');
  const saved = savedAuthor();
  const field = (name: 'name' | 'email', label: string, attrs: Record<string, string>) => {
    const input = h('input', { name, id: id + name, ...attrs });
    input.value = saved[name] ?? '';
    return [h('label', { for: id + name, class: `parley-${name}-label` }, label), input] as const;
  };
  const [nameLabel, name] = field('name', t.name, { autocomplete: 'name', maxlength: '64' });
  const [emailLabel, email] = field('email', d.settings()?.guestEmailRequired === false ? t.emailOptional : t.email, { type: 'email', autocomplete: 'email' });
  const msg = h('textarea', { name: 'message', id: `${id}m`, rows: parent ? '3' : '4' });
  const notify = h('input', { type: 'checkbox', name: 'notify' });
  notify.checked = !!saved.notify;
  // the honeypot: off screen, out of the tab order and hidden from screen readers, so only a
  // form-filling bot fills it; a name no browser autofills, a label a bot takes for a real field
  // (never shown, so not translated)
  const hp = h('input', { name: 'parley_hp', tabindex: '-1', autocomplete: 'off' });
  const err = h('p', { class: 'parley-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'parley-submit' }, t.post);
  const form = h(
    'form',
    { class: 'parley-composer', novalidate: true },
    h('label', { for: `${id}m` }, parent ? t.replyTo(parent.author?.name ?? '') : t.message),
    msg,
    h('div', { class: 'parley-who' }, h('div', {}, nameLabel, name), h('div', {}, emailLabel, email)),
    h('p', { class: 'parley-signin-note' }, t.signInToComment),
    h('label', { class: 'parley-check' }, notify, t.notify),
    h('label', { class: 'parley-hp', 'aria-hidden': 'true' }, 'Website', hp),
    help(t),
    err,
    h(
      'div',
      { class: 'parley-buttons' },
      submit,
      parent &&
        button('parley-cancel', t.cancel, () => {
          form.remove();
          d.li(parent.id)?.focus();
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
    const reader = d.session.user();
    const signedIn = reader !== null;
    if (!signedIn) saveAuthor(author);
    const client = { loadedMs: Date.now() - loadedAt, hp: hp.value };
    try {
      const r = signedIn
        ? await d.session.call<{ post: PostView; editToken?: string }>('post', { threadId: d.threadId(), message: msg.value, notify: author.notify, parentId: parent?.id, client })
        : await d.api<{ post: PostView; editToken?: string }>('POST', `/v1/threads/${d.threadId()}/posts`, {
            message: msg.value,
            author: { name: author.name, ...(author.email ? { email: author.email } : {}) },
            notify: author.notify,
            ...(parent ? { parentId: parent.id } : {}),
            client,
          });
      // before it is shown: an own comment gets its edit and delete buttons (a signed-in
      // reader's without an edit token: the session frame edits it)
      rememberOwn(r.post.id, { t: r.editToken ?? '', m: msg.value, ...(reader ? { u: reader.id } : {}) });
      msg.value = '';
      if (parent) form.remove();
      const li = d.posted(r.post);
      d.say(awaitingModerationStatuses.includes(r.post.status) ? t.postedPending : t.posted);
      li?.focus();
    } catch (e2) {
      err.textContent = d.wording(e2);
    } finally {
      submit.disabled = false;
      submit.textContent = t.post;
    }
  });
  return form;
}

const closeForms = (li: HTMLLIElement) => li.querySelector(':scope > form')?.remove();

export function openReply(li: HTMLLIElement, v: PostView, d: ComposerDeps): void {
  closeForms(li);
  const form = composer(v, d);
  li.querySelector(':scope > article')!.after(form);
  form.querySelector('textarea')!.focus();
}

/** The editor of the reader's own comment, holding the message as they wrote it. */
export function openEdit(li: HTMLLIElement, v: PostView, d: ComposerDeps): void {
  const { t } = d;
  closeForms(li);
  const own = d.own(v);
  if (!own) return;
  const ta = h('textarea', { name: 'message', rows: '4', 'aria-label': t.edit });
  ta.value = own.m ?? '';
  const err = h('p', { class: 'parley-error', role: 'alert' });
  const cancel = button('parley-cancel', t.cancel, () => {
    form.remove();
    li.focus();
  });
  const save = h('button', { type: 'submit', class: 'parley-save' }, t.save);
  const form = h('form', { class: 'parley-editor' }, ta, err, h('div', { class: 'parley-buttons' }, save, cancel));
  if (own.m === undefined) {
    // the signed-in reader's comment, written in another browser: its source comes from the API
    // (the page shows only its HTML); nothing to save until it is here
    ta.disabled = save.disabled = true;
    d.session.call<{ message: string }>('source', { postId: v.id }).then(
      (r) => {
        ta.value = r.message;
        ta.disabled = save.disabled = false;
        ta.focus();
      },
      (e2) => void (err.textContent = d.wording(e2)),
    );
  }
  on(form, 'keydown', (e: KeyboardEvent) => e.key === 'Escape' && cancel.click());
  on(form, 'submit', async (e) => {
    e.preventDefault();
    if (save.disabled) return;
    try {
      const r = own.t
        ? await d.api<{ post: PostView }>('PATCH', `/v1/posts/${v.id}`, { message: ta.value }, { authorization: `Bearer ${own.t}` })
        : await d.session.call<{ post: PostView }>('edit', { postId: v.id, message: ta.value });
      rememberOwn(v.id, { ...own, m: ta.value });
      form.remove();
      d.edited(r.post);
      li.focus();
    } catch (e2) {
      err.textContent = d.wording(e2);
    }
  });
  li.querySelector(':scope > article')!.after(form);
  ta.focus();
}
