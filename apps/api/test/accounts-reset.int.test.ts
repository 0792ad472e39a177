// Password reset over real HTTP and real SMTP: any address gets the same answer; a known one gets
// a link per account of Parley's own that has it; the link sets a new password once, ends every
// session and every other reset link. Registration says nothing about addresses either.
import t from 'tap';
import { eventColumns, loggedEventFromRow } from '@parley/data';
import { passwordResets } from '../../worker/src/email/password-resets.ts';
import { accountsEnv, linkOf, PASSWORD } from './accounts-env.ts';

t.test('known or unknown address: the same answer; every local account at it gets its own link', async (t) => {
  const env = await accountsEnv(t);
  const ada = await env.register('reset-ada', 'shared@example.com');
  const alt = await env.register('reset-ada-alt', 'Shared@Example.com');
  await env.register('reset-bob', 'bob@example.com');
  await env.mails(3); // the three verifications

  const known = await env.http('POST', '/v1/password-resets', { body: { email: ' shared@example.com ' } });
  const unknown = await env.http('POST', '/v1/password-resets', { body: { email: 'nobody@example.com' } });
  t.same([known.status, known.text], [202, '{"accepted":true}']);
  t.same([unknown.status, unknown.text], [known.status, known.text], 'an unknown address answers the same');
  t.equal(unknown.headers.get('content-length'), known.headers.get('content-length'));
  t.same((await env.http('POST', '/v1/password-resets', { body: { email: 'not an address' } })).body.error.code, 'invalid_email', 'a malformed address is a 400 (it tells nothing)');

  const resets = (await env.mails(5)).slice(3);
  t.same(resets.map((m) => m.subject), ['Reset your password', 'Reset your password']);
  t.same(resets.map((m) => /account "([\w-]+)"/.exec(m.text)?.[1]).sort(), ['reset-ada', 'reset-ada-alt'], 'one mail per account at that address');
  t.same(resets.map((m) => linkOf(m).url.pathname), ['/account/reset', '/account/reset']);
  const requested = (await env.accountEvents('AccountEmailRequested')).filter((e) => e.snapshot.kind === 'password_reset');
  t.same(requested.map((e) => e.actor), ['public', 'public'], 'asked by nobody signed in');
  t.same(requested.map((e) => e.snapshot.userId).sort(), [ada.id, alt.id].sort());

  const page = await env.http('GET', '/account/reset');
  t.equal(page.status, 200);
  t.match(page.text, /autocomplete="new-password"/);
  t.match(page.headers.get('content-security-policy'), /form-action 'none'/);
});

t.test('the link sets a new password once and ends every session and every other reset link', async (t) => {
  const env = await accountsEnv(t);
  const cleo = await env.register('reset-cleo', 'cleo@example.com');
  const other = (await env.http('POST', '/v1/sessions', { body: { username: 'reset-cleo', password: PASSWORD } })).body.token as string;
  await env.mails(1);
  await env.http('POST', '/v1/password-resets', { body: { email: 'cleo@example.com' } });
  await env.http('POST', '/v1/password-resets', { body: { email: 'cleo@example.com' } });
  const [first, second] = (await env.mails(3)).slice(1).map((m) => linkOf(m).token);

  const weak = await env.http('POST', '/v1/password-resets/confirm', { body: { token: first, password: 'short' } });
  t.same([weak.status, weak.body.error.code], [400, 'weak_password'], 'a weak password is refused before the link is used');
  const done = await env.http('POST', '/v1/password-resets/confirm', { body: { token: first, password: 'a brand new password' } });
  t.equal(done.status, 201);
  t.equal(done.body.user.id, cleo.id);
  t.equal(done.body.user.emailVerified, true, 'following a link mailed to the address proves it');
  for (const token of [cleo.token, other]) t.equal((await env.http('GET', '/v1/sessions', { token })).status, 401, 'every earlier session ended');
  t.equal((await env.http('GET', '/v1/users/me', { token: done.body.token })).status, 200, 'the session it answers works');

  const login = (password: string) => env.http('POST', '/v1/sessions', { body: { username: 'reset-cleo', password } });
  t.equal((await login(PASSWORD)).status, 401, 'the old password no longer works');
  t.equal((await login('a brand new password')).status, 201, 'the new one does');
  t.equal((await env.http('POST', '/v1/password-resets/confirm', { body: { token: first, password: 'yet another password' } })).status, 400, 'the link worked once');
  t.equal((await env.http('POST', '/v1/password-resets/confirm', { body: { token: second, password: 'yet another password' } })).status, 400, 'the other reset link ended too');
  const events = await env.accountEvents('UserPasswordReset');
  t.same(events.map((e) => [e.actor, e.snapshot.id]), [[`user:${cleo.id}`, cleo.id]], 'an event, with the account as its actor');
});

t.test('an expired link is refused; a link mailed after it expired is not sent', async (t) => {
  const env = await accountsEnv(t);
  await env.register('reset-dora', 'dora@example.com');
  await env.mails(1);
  await env.http('POST', '/v1/password-resets', { body: { email: 'dora@example.com' } });
  const { token } = linkOf((await env.mails(2))[1]);
  await env.api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'password_reset'`);
  t.equal((await env.http('POST', '/v1/password-resets/confirm', { body: { token, password: 'a brand new password' } })).body.error.code, 'invalid_account_token');

  // a job that runs only after its link expired sends nothing (logged as skipped)
  await env.api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE account_tokens SET expires_at = now() + interval '1 hour', used_at = NULL`);
  await env.http('POST', '/v1/password-resets', { body: { email: 'dora@example.com' } });
  // the worker's handler issues the request's link (run here alone, before the mail is sent)
  const { rows: requests } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, `SELECT ${eventColumns} FROM events WHERE type = 'PasswordResetRequested' ORDER BY id DESC LIMIT 1`);
  await passwordResets.handle(requests.map(loggedEventFromRow), env.worker.runtime.ctx);
  const { rows: newest } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, `SELECT id FROM account_tokens WHERE kind = 'password_reset' ORDER BY created_at DESC LIMIT 1`);
  const created = newest[0].id as string;
  await env.api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [created]);
  await env.worker.drain();
  const { rows } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT status, reason FROM account_email_log WHERE token_id = $1', [created]);
  t.same(rows, [{ status: 'skipped', reason: 'link_spent' }]);
  t.equal(env.smtp.messages.length, 2);
});

t.test('a reset link dies when the account leaves the address it was sent to', async (t) => {
  const env = await accountsEnv(t);
  const eve = await env.register('reset-eve', 'eve@example.com');
  await env.mails(1);
  await env.http('POST', '/v1/password-resets', { body: { email: 'eve@example.com' } });
  const { token } = linkOf((await env.mails(2))[1]);
  t.equal((await env.http('PATCH', '/v1/users/me', { token: eve.token, body: { email: 'eve@new.example', currentPassword: PASSWORD } })).status, 200);
  const refused = await env.http('POST', '/v1/password-resets/confirm', { body: { token, password: 'a brand new password' } });
  t.same([refused.status, refused.body.error.code], [400, 'invalid_account_token']);
  t.equal((await env.http('POST', '/v1/sessions', { body: { username: 'reset-eve', password: PASSWORD } })).status, 201, 'the password is unchanged');
});

t.test('registration answers alike whatever the address; a taken username is said', async (t) => {
  const env = await accountsEnv(t);
  const first = await env.http('POST', '/v1/users', { body: { username: 'reg-ada', email: 'ada@example.com', password: PASSWORD } });
  const sameEmail = await env.http('POST', '/v1/users', { body: { username: 'reg-ada2', email: 'ada@example.com', password: PASSWORD } });
  t.same([first.status, sameEmail.status], [201, 201], 'an address already in use is not told');
  const taken = await env.http('POST', '/v1/users', { body: { username: 'REG-ADA', email: 'other@example.com', password: PASSWORD } });
  t.same([taken.status, taken.body.error.code], [409, 'username_taken']);
  const events = await env.accountEvents('UserRegistered');
  t.same(events.map((e) => e.actor), [`user:${first.body.user.id}`, `user:${sameEmail.body.user.id}`]);
});
