// Query counts of the account routes, per database alias (the seed's assertQueryCount): a change
// is its statements in one transaction (BEGIN and COMMIT counted), never a read-modify-write loop.
import t from 'tap';
import { countQueries } from '../../../test/harness/query-count.ts';
import { accountsEnv, linkOf, PASSWORD } from './accounts-env.ts';

t.test('statements per account route', async (t) => {
  const env = await accountsEnv(t);
  const count = async (what: string, expected: number, work: () => Promise<{ status: number }>, status: number) => {
    let reply = { status: 0 };
    const { counts, statements } = await countQueries(env.api.db, async () => {
      reply = await work();
    });
    t.equal(reply.status, status, `${what}: ${status}`);
    t.same(counts, expected ? { accounts: expected } : {}, `${what}: ${expected} statements, all on accounts\n${statements.join('\n')}`);
  };
  // register: BEGIN, insert user, session, event, expire older links, link row, its event, COMMIT
  let token = '';
  await count('register', 8, async () => {
    const r = await env.http('POST', '/v1/users', { body: { username: 'qc-ada', email: 'ada@example.com', password: PASSWORD } });
    token = r.body.token;
    return r;
  }, 201);
  await count('GET /v1/users/me', 2, () => env.http('GET', '/v1/users/me', { token }), 200);
  // the session, then BEGIN, UPDATE … RETURNING, its event, COMMIT
  await count('PATCH /v1/users/me', 5, () => env.http('PATCH', '/v1/users/me', { token, body: { displayName: 'Ada' } }), 200);
  const { token: link } = linkOf((await env.mails(1))[0]);
  // BEGIN, use the link, mark the address, the event, COMMIT
  await count('POST /v1/email-verifications', 5, () => env.http('POST', '/v1/email-verifications', { body: { token: link } }), 200);
  // known address or not, the same statements before the answer: BEGIN, the request's event, COMMIT
  await count('POST /v1/password-resets (known)', 3, () => env.http('POST', '/v1/password-resets', { body: { email: 'ada@example.com' } }), 202);
  await count('POST /v1/password-resets (unknown)', 3, () => env.http('POST', '/v1/password-resets', { body: { email: 'nobody@example.com' } }), 202);
  const { token: reset } = linkOf((await env.mails(2))[1]);
  // BEGIN, use the link, set the password, end the other links, end the sessions, a new one, the event, COMMIT
  await count('POST /v1/password-resets/confirm', 8, () => env.http('POST', '/v1/password-resets/confirm', { body: { token: reset, password: 'a brand new password' } }), 201);
  await count('a forged link', 0, () => env.http('POST', '/v1/email-verifications', { body: { token: `${link.split('.')[0]}.${'A'.repeat(43)}` } }), 400);
});
