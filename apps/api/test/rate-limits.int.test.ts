// The request budgets (rate-limits.ts): writes, votes and sign-ins each counted per client address
// and per signed-in account; moderators exempt from writes in their own forums only; a 429 is
// rate_limited with Retry-After and a message saying when to retry; Redis shares the counts
// between apps, and while it is away each app counts in memory.
import t from 'tap';
import type { Config } from '@parley/data';
import { ADMIN_TOKEN, testApi, type TestApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';
import { testRedis } from '../../../test/harness/redis.ts';

interface Answer {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/** a request from a given client address (inject's remoteAddress) */
async function from(api: TestApi, ip: string, method: string, url: string, opts: { body?: unknown; token?: string; voter?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.voter) headers['x-parley-voter'] = opts.voter;
  const res = await api.app.inject({ method: method as 'POST', url, remoteAddress: ip, headers, payload: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
}

const guestPost = (n: number) => ({ message: `comment ${n}`, author: { name: 'Guest', email: 'guest@example.com' } });

let spare = 0;

/** an account, made from an address of its own (so it spends no budget a test counts) */
async function user(api: TestApi, username: string): Promise<{ id: string; token: string }> {
  const r = await from(api, `10.99.0.${++spare}`, 'POST', '/v1/users', { body: { username, email: `${username}@example.com`, password: 'a long enough password' } });
  if (r.status !== 201) throw new Error(`user: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.user.id, token: r.body.token };
}

async function setup(t: TapTest, overrides: Partial<Config>) {
  const api = await testApi(t, overrides);
  const { forum } = await api.forum();
  const { forum: other } = await api.forum();
  // made by the admin: they spend nothing
  const thread = async (slug: string) => (await api.req('POST', `/v1/forums/${slug}/threads`, { token: ADMIN_TOKEN, body: { identifier: 'page' } })).body.thread;
  return { api, forum, other, thread: await thread(forum.slug), otherThread: await thread(other.slug) };
}

t.test('writes: per address; the 429 says when to retry', async (t) => {
  const { api, thread } = await setup(t, { writeRatePerMinute: 2 });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await from(api, '198.51.100.1', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(i) })).status);
  t.same(statuses, [201, 201, 429]);
  const refused = await from(api, '198.51.100.1', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(9) });
  const wait = Number(refused.headers['retry-after']);
  t.ok(wait >= 1 && wait <= 60, `Retry-After ${wait} s, within the minute`);
  t.same([refused.body.error.code, refused.body.error.details], ['rate_limited', { limit: 'writePerAddress', retryAfterSeconds: wait }]);
  t.match(refused.body.error.message, new RegExp(`Too many writes from your address; try again in ${wait} s\\.`));
  t.equal((await from(api, '198.51.100.2', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(10) })).status, 201, 'another address has its own budget');
  t.equal((await from(api, '198.51.100.1', 'GET', `/v1/threads/${thread.id}/posts`)).status, 200, 'reads spend nothing');
});

t.test('writes: an IPv6 client counts by its /64', async (t) => {
  const { api, thread } = await setup(t, { writeRatePerMinute: 1 });
  t.equal((await from(api, '2001:db8:1:2::1', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(1) })).status, 201);
  t.equal((await from(api, '2001:db8:1:2::ffff', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(2) })).status, 429, 'another address of the same /64');
  t.equal((await from(api, '2001:db8:1:3::1', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(3) })).status, 201, 'another /64');
});

t.test("writes: a signed-in user's budget follows the account across addresses", async (t) => {
  const { api, thread } = await setup(t, { writeRatePerMinute: 2 });
  const ann = await user(api, 'budget-ann');
  const posted = [];
  for (const [i, ip] of ['203.0.113.1', '203.0.113.2', '203.0.113.3'].entries()) posted.push(await from(api, ip, 'POST', `/v1/threads/${thread.id}/posts`, { body: { message: `from ${i}` }, token: ann.token }));
  t.same(posted.map((r) => r.status), [201, 201, 429], 'three addresses, one account');
  t.same(posted[2].body.error.details.limit, 'writePerAccount');
  t.match(posted[2].body.error.message, /from your account/);
  t.equal((await from(api, '203.0.113.3', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(1) })).status, 201, 'a guest at that address is not held by the account');
});

t.test('writes: moderators and the admin are exempt in the forums they moderate, not elsewhere', async (t) => {
  const { api, forum, other, thread, otherThread } = await setup(t, { writeRatePerMinute: 2 });
  const mod = await user(api, 'budget-mod');
  t.equal((await api.req('PUT', `/v1/forums/${forum.slug}/roles/${mod.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } })).status, 200);
  const ip = '192.0.2.10';
  const own = [];
  for (let i = 0; i < 4; i++) own.push((await from(api, ip, 'POST', `/v1/threads/${thread.id}/posts`, { body: { message: `mod ${i}` }, token: mod.token })).status);
  t.same(own, [201, 201, 201, 201], 'a moderator posting in its forum');
  const postId = (await from(api, ip, 'POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'to edit' }, token: mod.token })).body.post.id;
  t.equal((await from(api, ip, 'PATCH', `/v1/posts/${postId}`, { body: { message: 'edited' }, token: mod.token })).status, 200, 'and editing there (the forum from the post)');
  const elsewhere = [];
  for (let i = 0; i < 3; i++) elsewhere.push((await from(api, ip, 'POST', `/v1/threads/${otherThread.id}/posts`, { body: { message: `there ${i}` }, token: mod.token })).status);
  t.same(elsewhere, [201, 201, 429], `in another forum (${other.slug}) it counts like anyone`);
  const admin = [];
  for (let i = 0; i < 4; i++) admin.push((await from(api, '192.0.2.11', 'POST', `/v1/threads/${otherThread.id}/posts`, { body: guestPost(i), token: ADMIN_TOKEN })).status);
  t.same(admin, [201, 201, 201, 201], 'the admin, anywhere');
});

t.test('votes have their own budget, apart from writes', async (t) => {
  const { api, thread } = await setup(t, { voteRatePerMinute: 2, writeRatePerMinute: 3 });
  const { post } = (await from(api, '10.99.1.1', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(0) })).body;
  const ip = '198.51.100.20';
  const votes = [];
  for (let i = 0; i < 3; i++) votes.push(await from(api, ip, 'PUT', `/v1/posts/${post.id}/vote`, { body: { value: 1 }, voter: `voter-${i}-0123456789abcdef` }));
  t.same(votes.map((r) => r.status), [200, 200, 429]);
  t.same([votes[2].body.error.details.limit, Number(votes[2].headers['retry-after']) >= 1], ['votePerAddress', true]);
  t.match(votes[2].body.error.message, /Too many votes from your address/);
  t.equal((await from(api, ip, 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(1) })).status, 201, 'the address may still write');
});

t.test('sign-ins have their own budget per address', async (t) => {
  const { api } = await setup(t, { loginPerAddress: 2, writeRatePerMinute: 100 });
  await user(api, 'budget-bob');
  const tries = [];
  for (let i = 0; i < 3; i++) tries.push(await from(api, '198.51.100.30', 'POST', '/v1/sessions', { body: { username: 'budget-bob', password: 'a long enough password' } }));
  t.same(tries.map((r) => r.status), [201, 201, 429]);
  t.equal(tries[2].body.error.details.limit, 'loginPerAddress');
  t.match(tries[2].body.error.message, /Too many sign-in attempts from your address; try again in \d+ s\./);
});

t.test('two apps share the counts through Redis; with Redis away each counts in memory', async (t) => {
  const redis = await testRedis(t);
  const a = await testApi(t, { redisUrl: redis.url, writeRatePerMinute: 3 });
  const b = await testApi(t, { redisUrl: redis.url, writeRatePerMinute: 3 }, a.db);
  const { forum } = await a.forum();
  const thread = await a.thread(forum.slug);
  const ip = '198.51.100.40';
  const statuses = [];
  for (const [i, api] of [a, b, a, b].entries()) statuses.push((await from(api, ip, 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(i) })).status);
  t.same(statuses, [201, 201, 201, 429], 'three writes over two apps, the fourth refused');

  await redis.stop();
  const away = [];
  for (let i = 0; i < 4; i++) away.push((await from(a, '198.51.100.41', 'POST', `/v1/threads/${thread.id}/posts`, { body: guestPost(i) })).status);
  t.same(away, [201, 201, 201, 429], 'Redis away: the app counts in memory, neither refusing all nor letting all through');
});
