// The login and password-reset limits over real HTTP: per client address and per account, each its
// own option; a refusal is 429 rate_limited with Retry-After, and says nothing about whether the
// account exists. With REDIS_URL the count is shared by every API process.
import t from 'tap';
import { testApi } from '../../../test/harness/app.ts';
import { testRedis } from '../../../test/harness/redis.ts';
import { accountsEnv, PASSWORD } from './accounts-env.ts';

const login = (username: string, password = 'wrong password') => ({ body: { username, password } });

t.test('login per client address', async (t) => {
  const env = await accountsEnv(t, { loginPerAddress: 3 });
  await env.register('limit-ada', 'ada@example.com');
  for (const name of ['limit-ada', 'nobody-1', 'nobody-2']) t.equal((await env.http('POST', '/v1/sessions', login(name))).status, 401);
  const refused = await env.http('POST', '/v1/sessions', login('limit-ada', PASSWORD));
  t.same([refused.status, refused.body.error.code, refused.body.error.details.limit], [429, 'rate_limited', 'loginPerAddress'], 'the fourth attempt, right password or not');
  const wait = Number(refused.headers.get('retry-after'));
  t.ok(wait >= 1 && wait <= 900, `Retry-After: ${wait} s, within the window`);
});

t.test('failed logins per account, from any address; unknown usernames alike; the owner\'s logins neither count nor forgive', async (t) => {
  const env = await accountsEnv(t, { loginPerAccount: 3 });
  await env.register('limit-bob', 'bob@example.com');
  const owner = [];
  for (let i = 0; i < 4; i++) owner.push((await env.http('POST', '/v1/sessions', login('limit-bob', PASSWORD))).status);
  t.same(owner, [201, 201, 201, 201], 'successes alone never lock the owner out');
  // an attacker's guesses interleaved with the owner's logins: each success gives back its own
  // attempt only, so the guesses add up
  const interleaved = [];
  for (const password of ['guess 1', PASSWORD, 'guess 2', PASSWORD, 'guess 3']) {
    interleaved.push((await env.http('POST', '/v1/sessions', login(password === 'guess 2' ? 'LIMIT-BOB' : 'limit-bob', password))).status);
  }
  t.same(interleaved, [401, 201, 401, 201, 401], 'any spelling counts for the account');
  const locked = await env.http('POST', '/v1/sessions', login('limit-bob', PASSWORD));
  t.same([locked.status, locked.body.error.details.limit], [429, 'loginPerAccount'], 'three failures: past the limit even the right password waits');
  t.ok(Number(locked.headers.get('retry-after')) >= 1);
  t.equal((await env.http('POST', '/v1/sessions', login('limit-bob', 'guess 4'))).status, 429, 'and so does the next guess');

  const unknown = [];
  for (let i = 0; i < 4; i++) unknown.push((await env.http('POST', '/v1/sessions', login('limit-nobody'))).status);
  t.same(unknown, [401, 401, 401, 429], 'an unknown username is limited the same way (no enumeration)');
  t.equal((await env.http('POST', '/v1/sessions', login('limit-other'))).status, 401, 'other usernames are not held up');
});

t.test('password-reset requests per address and per email', async (t) => {
  const env = await accountsEnv(t, { resetPerAddress: 4, resetPerEmail: 2 });
  const reset = (email: string) => env.http('POST', '/v1/password-resets', { body: { email } });
  t.same([(await reset('a@example.com')).status, (await reset('A@example.com')).status], [202, 202]);
  const perEmail = await reset('a@example.com');
  t.same([perEmail.status, perEmail.body.error.details.limit], [429, 'resetPerEmail'], 'the third for one address');
  t.ok(Number(perEmail.headers.get('retry-after')) >= 1);
  t.equal((await reset('b@example.com')).status, 202, 'another address');
  const perAddress = await reset('c@example.com');
  t.same([perAddress.status, perAddress.body.error.details.limit], [429, 'resetPerAddress'], 'the client\'s fifth request');
});

t.test('verification mails (resends, new addresses) count per account', async (t) => {
  const env = await accountsEnv(t, { resetPerEmail: 2 });
  const cleo = await env.register('limit-cleo', 'cleo@example.com');
  t.equal((await env.http('POST', '/v1/users/me/verification-email', { token: cleo.token })).status, 202);
  const moved = (email: string) => env.http('PATCH', '/v1/users/me', { token: cleo.token, body: { email, currentPassword: PASSWORD } });
  t.equal((await moved('cleo@new.example')).status, 200);
  const refused = await moved('cleo@newer.example');
  t.same([refused.status, refused.body.error.details.limit], [429, 'resetPerEmail']);
  t.equal((await env.http('POST', '/v1/users/me/verification-email', { token: cleo.token })).status, 429);
  t.equal((await env.http('PATCH', '/v1/users/me', { token: cleo.token, body: { displayName: 'Cleo' } })).status, 200, 'other changes are not limited');
});

t.test('with REDIS_URL, every API process counts together', async (t) => {
  const redis = await testRedis(t);
  const env = await accountsEnv(t, { loginPerAccount: 2, redisUrl: redis.url });
  const second = await testApi(t, { ...env.api.config, loginPerAccount: 2, redisUrl: redis.url }, env.api.db);
  t.equal((await env.http('POST', '/v1/sessions', login('limit-dora'))).status, 401, 'a failure in the first process');
  const other = await second.req('POST', '/v1/sessions', login('limit-dora'));
  t.equal(other.status, 401, 'a failure in the second');
  t.same([(await env.http('POST', '/v1/sessions', login('limit-dora'))).status], [429], 'the first process counts the second\'s failure');
});

t.test('with Redis away, each process counts alone: never a 500, never unlimited', async (t) => {
  // nothing listens on port 1: every Redis command fails at once, and the memory limiter counts
  const env = await accountsEnv(t, { loginPerAccount: 2, redisUrl: 'redis://127.0.0.1:1' });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await env.http('POST', '/v1/sessions', login('limit-eve'))).status);
  t.same(statuses, [401, 401, 429]);
});
