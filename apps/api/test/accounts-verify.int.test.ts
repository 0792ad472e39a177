// Verifying an address over real HTTP and real SMTP: registration mails a link, the link's page
// posts its token, the token works once and for its kind only; a resend or a new address retires
// the older links; nothing but the mail holds a whole link; each mail is sent at most once.
import t from 'tap';
import { accountsEnv, linkOf, PASSWORD } from './accounts-env.ts';

t.test('registration mails a link that verifies the address once', async (t) => {
  const env = await accountsEnv(t);
  const ada = await env.register('verify-ada', 'Ada@Example.com');
  t.equal((await env.http('GET', '/v1/users/me', { token: ada.token })).body.user.emailVerified, false, 'unverified at first');

  const [mail] = await env.mails(1);
  t.same(mail.to.map((a) => a.toLowerCase()), ['ada@example.com'], 'to the address given');
  t.equal(mail.subject, 'Verify your email address');
  t.match(mail.text, /Hi verify-ada,/);
  const { url, token } = linkOf(mail);
  t.equal(`${url.origin}${url.pathname}`, 'http://parley.test/account/verify', 'the link opens the page on the public URL');
  t.match(mail.html, /href="http:\/\/parley\.test\/account\/verify#token=/);

  // the page the link opens: one click in a mail client, no token in any URL a server sees
  const page = await env.http('GET', url.pathname, { headers: { accept: 'text/html' } });
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /^text\/html/);
  t.match(page.headers.get('content-security-policy'), /script-src 'sha256-[\w+/=]+';/, 'a strict CSP, its one script allowed by hash');
  t.equal(page.headers.get('cache-control'), 'no-store');
  t.equal(page.headers.get('referrer-policy'), 'no-referrer');
  t.match(page.text, /\/v1\/email-verifications/, 'the page posts the token to the API');

  const verified = await env.http('POST', '/v1/email-verifications', { body: { token } });
  t.equal(verified.status, 200);
  t.equal(verified.body.user.id, ada.id);
  t.equal(verified.body.user.emailVerified, true);
  const me = await env.http('GET', '/v1/users/me', { token: ada.token });
  t.same({ email: me.body.email, verified: me.body.user.emailVerified, sso: me.body.sso }, { email: 'Ada@Example.com', verified: true, sso: false });

  const again = await env.http('POST', '/v1/email-verifications', { body: { token } });
  t.same([again.status, again.body.error.code], [400, 'invalid_account_token'], 'a link works once');
  const events = await env.accountEvents('UserEmailVerified');
  t.same(events.map((e) => [e.actor, e.snapshot.id]), [[`user:${ada.id}`, ada.id]], 'one event, with the user as its actor');
});

t.test('a forged, tampered, expired or other-kind token is refused alike', async (t) => {
  const env = await accountsEnv(t);
  const bob = await env.register('verify-bob', 'bob@example.com');
  const { token } = linkOf((await env.mails(1))[0]);
  const [id, mac] = token.split('.');
  const refused = async (body: unknown, path = '/v1/email-verifications') => {
    const r = await env.http('POST', path, { body });
    return [r.status, r.body.error?.code];
  };
  const flipped = `${id}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
  t.same(await refused({ token: flipped }), [400, 'invalid_account_token'], 'a tampered mac');
  t.same(await refused({ token: id }), [400, 'invalid_account_token'], 'the row id alone (what the log and the queue hold)');
  t.same(await refused({ token: 'x'.repeat(200) }), [400, 'invalid_account_token'], 'garbage');
  t.same(await refused({ token, password: PASSWORD }, '/v1/password-resets/confirm'), [400, 'invalid_account_token'], 'a verification link resets no password');
  t.same(await refused({ token: 1 }), [400, 'invalid_field'], 'a token of the wrong type');

  await env.api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
  t.same(await refused({ token }), [400, 'invalid_account_token'], 'an expired link');
  t.equal((await env.http('GET', '/v1/users/me', { token: bob.token })).body.user.emailVerified, false);
});

t.test('nothing but the mail holds the link: not the tokens, the log, the queue or the email log', async (t) => {
  const env = await accountsEnv(t);
  await env.register('verify-cleo', 'cleo@example.com');
  const { token } = linkOf((await env.mails(1))[0]);
  const mac = token.split('.')[1];
  const dumps = await Promise.all([
    'SELECT row_to_json(a)::text AS t FROM account_tokens a',
    'SELECT row_to_json(l)::text AS t FROM account_email_log l',
    `SELECT encode(snapshot, 'base64') || encode(snapshot, 'escape') AS t FROM events`,
    'SELECT data::text AS t FROM pgboss.job',
  ].map((sql) => env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, sql)));
  const all = dumps.flatMap((d) => d.rows.map((r) => r.t as string)).join('\n');
  t.ok(all.includes(token.split('.')[0]), 'the row id is there (the probe works)');
  t.notOk(all.includes(mac), 'the secret half of the link is nowhere');
  const { rows } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT kind, status, reason FROM account_email_log');
  t.same(rows, [{ kind: 'verify_email', status: 'sent', reason: null }], 'logged as sent');
});

t.test('a mail is sent at most once, even when its job runs again', async (t) => {
  const env = await accountsEnv(t);
  await env.register('verify-dora', 'dora@example.com');
  await env.mails(1);
  const { rows } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, `SELECT data FROM pgboss.job WHERE name = 'parley.account-email'`);
  t.equal(rows.length, 1, 'one job for the event');
  t.notOk(JSON.stringify(rows[0].data).includes('#token='), 'the job holds no link');
  await env.worker.runtime.boss.send('parley.account-email', rows[0].data);
  await env.worker.drain();
  t.equal(env.smtp.messages.length, 1, 'the job run again sends nothing');
});

t.test('a resend retires the older link; a new address needs its own verification', async (t) => {
  const env = await accountsEnv(t);
  const eve = await env.register('verify-eve', 'eve@example.com');
  const first = linkOf((await env.mails(1))[0]).token;
  const resent = await env.http('POST', '/v1/users/me/verification-email', { token: eve.token });
  t.same([resent.status, resent.body], [202, { accepted: true }]);
  const second = linkOf((await env.mails(2))[1]).token;
  t.not(first, second);
  t.equal((await env.http('POST', '/v1/email-verifications', { body: { token: first } })).status, 400, 'the older link no longer works');
  t.equal((await env.http('POST', '/v1/email-verifications', { body: { token: second } })).status, 200, 'the newest does');

  const moved = await env.http('PATCH', '/v1/users/me', { token: eve.token, body: { email: 'eve@new.example', currentPassword: PASSWORD } });
  t.equal(moved.status, 200);
  t.same([moved.body.email, moved.body.user.emailVerified], ['eve@new.example', false], 'a new address is unverified');
  const [, , mail] = await env.mails(3);
  t.same(mail.to, ['eve@new.example'], 'its link goes to the new address');
  t.equal((await env.http('POST', '/v1/email-verifications', { body: { token: linkOf(mail).token } })).body.user.emailVerified, true);
  t.equal((await env.http('POST', '/v1/users/me/verification-email', { token: eve.token })).status, 202, 'a resend once verified is accepted');
  await env.worker.drain();
  t.equal(env.smtp.messages.length, 3, 'and sends nothing');
  t.equal((await env.http('POST', '/v1/users/me/verification-email')).status, 401, 'a resend needs a session');
});

t.test('without SMTP the mail is logged as skipped and the account works', async (t) => {
  const env = await accountsEnv(t, { smtpUrl: undefined });
  const fay = await env.register('verify-fay', 'fay@example.com');
  await env.worker.drain();
  const { rows } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT status, reason FROM account_email_log');
  t.same(rows, [{ status: 'skipped', reason: 'no_smtp' }]);
  t.equal((await env.http('GET', '/v1/users/me', { token: fay.token })).status, 200);
});

t.test('a mail the server refuses for good is logged as failed, and the worker\'s log names no address or link', async (t) => {
  const env = await accountsEnv(t);
  env.smtp.refuseWith(550);
  await env.register('verify-gus', 'gus@example.com');
  await env.worker.drain();
  const { rows } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT status, retryable, reason FROM account_email_log');
  t.same(rows.map((r) => [r.status, r.retryable]), [['failed', false]], 'a 5xx is final: never sent twice');
  t.match(rows[0].reason, /550/);
  t.match(env.logs.join('\n'), /account email: verify_email of event \d+ failed/);
  t.notMatch(env.logs.join('\n'), /gus@example\.com|#token=/, 'no address, no link in the log');
  env.smtp.refuseWith(null);
  await env.worker.drain();
  t.equal(env.smtp.messages.length, 0);
});
