// Sign-in: the forum by slug, then a moderator account (username and password, POST /v1/sessions)
// or the forum's moderator key. A credential counts as signed in only once the API lets it read the
// forum's rules, so a wrong key, another forum's key, or an account without a role there is refused
// here (a wrong key with the API's own message), and an account's session that moderates nothing
// is ended again.
import { h, on } from '../dom.ts';
import { forumPath, makeCall, messageOf } from './client.ts';
import type { ConsoleSession } from './session.ts';
import type { ForumView } from './types.ts';

/**
 * Proves the credential moderates the forum: the forum's rules (settings.moderation) are shown to
 * its moderators only. A wrong or expired token is the API's 401, an unknown forum its 404.
 */
export async function verify(s: ConsoleSession): Promise<ForumView> {
  const { forum } = await makeCall(s)<{ forum: ForumView }>('GET', forumPath(s.slug));
  if (!forum.settings.moderation) throw new Error(`${s.kind === 'key' ? 'This key' : 'This account'} does not moderate the forum ${forum.name}.`);
  return forum;
}

const field = (label: string, input: HTMLInputElement) => h('label', { class: 'console-field' }, h('span', {}, label), input);

export function signInView(onSignedIn: (s: ConsoleSession) => void, lastSlug = ''): HTMLElement {
  const slug = h('input', { name: 'forum', autocomplete: 'off', required: true, value: lastSlug, spellcheck: 'false' });
  const username = h('input', { name: 'username', autocomplete: 'username' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const key = h('input', { name: 'key', type: 'password', autocomplete: 'off', placeholder: 'pmk_…' });
  const byAccount = h('input', { type: 'radio', name: 'method', value: 'account', checked: true });
  const byKey = h('input', { type: 'radio', name: 'method', value: 'key' });
  const accountFields = h('div', { class: 'console-account-fields' }, field('Username', username), field('Password', password));
  const keyFields = h('div', { class: 'console-key-fields', hidden: true }, field('Moderator key', key));
  const error = h('p', { class: 'console-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'console-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'console-signin', novalidate: true },
    h('h1', {}, 'Parley moderation'),
    field('Forum (slug)', slug),
    h('fieldset', { class: 'console-method' }, h('legend', {}, 'Sign in with'), h('label', {}, byAccount, ' a moderator account'), h('label', {}, byKey, ' the forum\'s moderator key')),
    accountFields,
    keyFields,
    submit,
    error,
  );
  const mode = () => {
    keyFields.hidden = !byKey.checked;
    accountFields.hidden = byKey.checked;
  };
  on(byAccount, 'change', mode);
  on(byKey, 'change', mode);

  on(form, 'submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const forum = slug.value.trim();
    if (!forum) return void (error.textContent = 'Enter the forum\'s slug.');
    submit.disabled = true;
    let session: ConsoleSession | undefined;
    try {
      if (byKey.checked) {
        session = { slug: forum, token: key.value.trim(), kind: 'key', who: 'moderator key' };
      } else {
        const res = await makeCall({ token: '' })<{ token: string; user: { username: string } }>('POST', '/v1/sessions', { username: username.value, password: password.value });
        session = { slug: forum, token: res.token, kind: 'account', who: res.user.username };
      }
      await verify(session);
      password.value = '';
      key.value = '';
      onSignedIn(session);
    } catch (err) {
      error.textContent = messageOf(err);
      // an account that may not moderate this forum keeps no session open here
      if (session?.kind === 'account') void makeCall(session)('DELETE', '/v1/sessions/current').catch(() => {});
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
