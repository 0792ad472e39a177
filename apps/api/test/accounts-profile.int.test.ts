// The signed-in user's profile over real HTTP: display name and avatar (validated), email (with
// the current password), each change an event with the user as actor; an SSO user's profile is
// its site's and is refused here.
import { createHmac } from 'node:crypto';
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { accountsEnv, PASSWORD } from './accounts-env.ts';

t.test('display name and avatar: set, shown, cleared; each change an event', async (t) => {
  const env = await accountsEnv(t);
  const ada = await env.register('profile-ada', 'ada@example.com');
  const patch = (body: unknown, token: string | undefined = ada.token) => env.http('PATCH', '/v1/users/me', { token, body });

  const set = await patch({ displayName: '  Ada Lovelace ', avatarUrl: 'https://example.com/ada.png' });
  t.equal(set.status, 200);
  t.same(
    { name: set.body.user.displayName, avatar: set.body.user.avatarUrl, username: set.body.user.username },
    { name: 'Ada Lovelace', avatar: 'https://example.com/ada.png', username: 'profile-ada' },
    'trimmed and kept',
  );
  const me = await env.http('GET', '/v1/users/me', { token: ada.token });
  t.equal(me.body.user.displayName, 'Ada Lovelace');
  const login = await env.http('POST', '/v1/sessions', { body: { username: 'profile-ada', password: PASSWORD } });
  t.equal(login.body.user.avatarUrl, 'https://example.com/ada.png', 'a new session shows the profile');

  const cleared = await patch({ displayName: null, avatarUrl: null });
  t.same([cleared.body.user.displayName, cleared.body.user.avatarUrl], ['profile-ada', null], 'null shows the username and no picture');
  t.equal((await patch({})).status, 200, 'an empty change changes nothing');

  const events = await env.accountEvents('UserUpdated');
  t.equal(events.length, 2, 'one event per change');
  t.same(events.map((e) => e.actor), [`user:${ada.id}`, `user:${ada.id}`]);
  t.equal(events[0].snapshot.displayName, 'Ada Lovelace');
});

t.test('bad values are refused with their own codes, never a 500', async (t) => {
  const env = await accountsEnv(t);
  const bob = await env.register('profile-bob', 'bob@example.com');
  const code = async (body: unknown) => {
    const r = await env.http('PATCH', '/v1/users/me', { token: bob.token, body });
    return [r.status, r.body.error?.code];
  };
  for (const avatarUrl of ['javascript:alert(1)', 'ftp://example.com/a.png', '/relative.png', 'https://user:pw@example.com/a.png', `https://example.com/${'a'.repeat(2100)}`, 'https://exa mple.com/a.png']) {
    t.same(await code({ avatarUrl }), [400, 'invalid_avatar_url'], avatarUrl.slice(0, 40));
  }
  for (const displayName of ['', '   ', 'a\nb', 'x'.repeat(65)]) t.same(await code({ displayName }), [400, 'invalid_display_name'], JSON.stringify(displayName).slice(0, 20));
  t.same(await code({ displayName: 'ok', extra: 1 }), [400, 'unknown_field']);
  t.same(await code({ email: 'not an address', currentPassword: PASSWORD }), [400, 'invalid_email']);
  t.same(await code({ email: 'bob@new.example' }), [400, 'password_required'], 'a new address needs the current password');
  t.same(await code({ email: 'bob@new.example', currentPassword: 'not the password' }), [401, 'invalid_credentials']);
  t.equal((await env.http('GET', '/v1/users/me', { token: bob.token })).body.email, 'bob@example.com', 'nothing changed');
  t.equal((await env.http('PATCH', '/v1/users/me', { body: { displayName: 'x' } })).status, 401, 'a change needs a session');
  t.equal((await env.http('GET', '/v1/users/me')).status, 401);
  t.equal((await env.http('GET', '/v1/users/me', { token: ADMIN_TOKEN })).status, 401, 'the admin token has no profile');
});

t.test('an SSO user\'s profile is its site\'s: changes are refused', async (t) => {
  const env = await accountsEnv(t);
  const { forum, moderatorKey } = await env.api.forum();
  const secret = (await env.http('POST', `/v1/forums/${forum.slug}/sso-secret`, { token: moderatorKey })).body.secret as string;
  const message = Buffer.from(JSON.stringify({ id: '42', username: 'Site Ada', email: 'ada@site.example' })).toString('base64');
  const ts = Math.floor(Date.now() / 1000);
  const remoteAuth = `${message} ${createHmac('sha1', secret).update(`${message} ${ts}`).digest('hex')} ${ts}`;
  const sso = await env.http('POST', '/v1/sso/disqus', { body: { forum: forum.slug, remoteAuth } });
  t.equal(sso.status, 200);
  const me = await env.http('GET', '/v1/users/me', { token: sso.body.token });
  t.same([me.body.sso, me.body.user.displayName], [true, 'Site Ada']);
  const refused = await env.http('PATCH', '/v1/users/me', { token: sso.body.token, body: { displayName: 'Someone else' } });
  t.same([refused.status, refused.body.error.code], [403, 'sso_profile_readonly']);
  t.equal((await env.http('POST', '/v1/users/me/verification-email', { token: sso.body.token })).body.error.code, 'sso_profile_readonly');
  // a local account at the same address: its reset mail shows the request was handled
  await env.register('profile-twin', 'ada@site.example');
  await env.mails(1);
  await env.http('POST', '/v1/password-resets', { body: { email: 'ada@site.example' } });
  const [, reset] = await env.mails(2);
  await env.worker.drain();
  t.equal(env.smtp.messages.length, 2, 'one reset mail: to the local account only');
  t.match(reset.text, /account "profile-twin"/, 'never to the SSO user (its password is its site\'s)');
});
