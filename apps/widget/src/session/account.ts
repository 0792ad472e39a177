// The account bar inside the session frame: "Sign in · Sign up" or "avatar Name · Sign out", and
// the sign-in and sign-up forms, so a password is typed only on the Parley origin, and a button per
// OpenID Connect provider. Doing the requests is the frame's (frame.ts); this file draws and reports.
import { h, on, uniqueId } from '../dom.ts';
import type { Text } from '../i18n.ts';
import type { Reader } from './protocol.ts';

export interface AccountDeps {
  t: Text;
  signIn(username: string, password: string): Promise<void>;
  signUp(username: string, email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** the OpenID Connect providers the operator configured */
  providers(): { id: string; name: string }[];
  /** opens the provider's sign-in popup (from this click, inside the frame) */
  oidc(provider: string): void;
  /** an error as the reader should read it */
  wording(e: unknown): string;
}

const btn = (cls: string, label: string, fn: () => void) => {
  const b = h('button', { type: 'button', class: cls }, label);
  on(b, 'click', fn);
  return b;
};

/** A form of labelled inputs; `send` gets their values by name, and its error is shown in the form. */
function form(cls: string, d: AccountDeps, submitLabel: string, fields: [name: string, label: string, attrs: Record<string, string>][], send: (v: Record<string, string>) => Promise<void>, close: () => void): HTMLFormElement {
  const err = h('p', { class: 'parley-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'parley-submit' }, submitLabel);
  const inputs = fields.map(([name, label, attrs]) => {
    const id = uniqueId('parley-a-');
    return [h('label', { for: id }, label), h('input', { name, id, required: true, ...attrs })] as const;
  });
  const f = h('form', { class: cls, novalidate: true }, ...inputs.flat(), err, h('div', { class: 'parley-buttons' }, submit, btn('parley-cancel', d.t.cancel, close)));
  on(f, 'submit', async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    err.textContent = '';
    submit.disabled = true;
    try {
      await send(Object.fromEntries(inputs.map(([, input]) => [input.name, input.value])));
    } catch (e2) {
      err.textContent = d.wording(e2);
    } finally {
      submit.disabled = false;
    }
  });
  on(f, 'keydown', (e: KeyboardEvent) => e.key === 'Escape' && close());
  return f;
}

export function accountBar(root: HTMLElement, d: AccountDeps): { show(user: Reader | null): void; error(text: string): void } {
  const { t } = d;
  const bar = h('div', { class: 'parley-account' });
  const open = (which: 'in' | 'up') => {
    const close = () => show(null, which === 'in' ? '.parley-signin' : '.parley-signup');
    const f =
      which === 'in'
        ? form('parley-signin-form', d, t.signIn, [['username', t.username, { autocomplete: 'username' }], ['password', t.password, { type: 'password', autocomplete: 'current-password' }]], (v) => d.signIn(v.username.trim(), v.password), close)
        : form(
            'parley-signup-form',
            d,
            t.signUp,
            [
              ['username', t.username, { autocomplete: 'username', maxlength: '32' }],
              ['email', t.accountEmail, { type: 'email', autocomplete: 'email' }],
              ['password', t.password, { type: 'password', autocomplete: 'new-password', minlength: '8' }],
            ],
            (v) => d.signUp(v.username.trim(), v.email.trim(), v.password),
            close,
          );
    bar.replaceChildren(f);
    f.querySelector('input')!.focus();
  };
  function show(user: Reader | null, focus?: string): void {
    bar.dataset.signedIn = String(!!user);
    if (user) {
      bar.replaceChildren(
        user.avatarUrl && /^https?:\/\//.test(user.avatarUrl) ? h('img', { class: 'parley-avatar', src: user.avatarUrl, alt: '', width: '28', height: '28' }) : '',
        h('span', { class: 'parley-me' }, user.displayName || user.username),
        btn('parley-signout', t.signOut, () => void d.signOut()),
      );
    } else {
      bar.replaceChildren(
        h('span', { class: 'parley-guest' }, t.notSignedIn),
        btn('parley-signin', t.signIn, () => open('in')),
        btn('parley-signup', t.signUp, () => open('up')),
        ...d.providers().map((p) => {
          const b = btn('parley-oidc', t.signInWith(p.name), () => d.oidc(p.id));
          b.dataset.provider = p.id;
          return b;
        }),
        h('p', { class: 'parley-error', role: 'alert' }),
      );
    }
    if (focus) bar.querySelector<HTMLElement>(focus)?.focus();
  }
  root.append(bar);
  return {
    show: (user) => show(user),
    error(text) {
      const p = bar.querySelector(':scope > .parley-error');
      if (p) p.textContent = text;
    },
  };
}
