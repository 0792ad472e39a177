// A password-reset request answered 202 survives a crash: it is in the log before the answer, so
// a worker that was stopped (or crashed) then, and starts only after the API is gone, still mails
// the link. An unknown address is the same write and the same bytes, and no mail ever follows.
// The worker's handler issues the links once however often its batch runs.
import t from 'tap';
import { eventColumns, loggedEventFromRow } from '@parley/data';
import { testWorker } from '../../../test/harness/worker.ts';
import { passwordResets } from '../../worker/src/email/password-resets.ts';
import { accountsEnv, linkOf } from './accounts-env.ts';

t.test('a reset answered with the worker stopped is mailed when a worker starts, after the API is gone', async (t) => {
  const env = await accountsEnv(t);
  await env.register('durable-ada', 'ada@example.com');
  await env.mails(1); // the verification
  const resetTokens = async () =>
    (await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, `SELECT count(*)::int AS n FROM account_tokens WHERE kind = 'password_reset'`)).rows[0].n as number;

  // no worker runs from here on until a new one starts (env.worker is only ever drained by hand)
  const known = await env.http('POST', '/v1/password-resets', { body: { email: 'Ada@Example.com' } });
  const unknown = await env.http('POST', '/v1/password-resets', { body: { email: 'nobody@example.com' } });
  t.same([known.status, known.text], [202, '{"accepted":true}']);
  t.same([unknown.status, unknown.text, unknown.headers.get('content-length')], [known.status, known.text, known.headers.get('content-length')], 'an unknown address: the same answer bytes');
  const requested = await env.accountEvents('PasswordResetRequested');
  t.same(requested, [{ actor: 'public', snapshot: { email: 'Ada@Example.com' } }, { actor: 'public', snapshot: { email: 'nobody@example.com' } }], 'both are in the log before their answer: the same write for either');
  t.equal(await resetTokens(), 0, 'the API looked nothing up: no link yet');

  // the API process goes away; a fresh worker process starts on the same database
  await env.api.app.close();
  const fresh = await testWorker(t, { db: env.api.db, url: env.api.url, config: env.api.config });
  await fresh.drain();
  t.equal(env.smtp.messages.length, 2, 'one mail: the reset to the known address, none to the unknown one');
  const mail = env.smtp.messages[1];
  t.same([mail.subject, linkOf(mail).url.pathname], ['Reset your password', '/account/reset']);
  t.match(mail.text, /account "durable-ada"/);
  t.equal(await resetTokens(), 1, 'one link, for the one account at that address');

  // the handler run again on the same events (a batch retried after a crash): nothing is issued twice
  const { rows } = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, `SELECT ${eventColumns} FROM events WHERE type = 'PasswordResetRequested' ORDER BY id`);
  await passwordResets.handle(rows.map(loggedEventFromRow), fresh.runtime.ctx);
  await fresh.drain();
  t.equal(await resetTokens(), 1, 'still one link');
  t.equal(env.smtp.messages.length, 2, 'still one reset mail');
});
