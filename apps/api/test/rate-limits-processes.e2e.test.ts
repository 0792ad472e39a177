// Two real API processes sharing one Redis (REDIS_URL): the budgets hold across them, so a
// client spreading its requests over a load balancer's upstreams gets no more than from one.
import t from 'tap';
import { apiProcess } from '../../../test/harness/api-process.ts';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { testDatabase } from '../../../test/harness/db.ts';
import { testRedis } from '../../../test/harness/redis.ts';

t.test('two API processes count one budget in Redis', async (t) => {
  const { url: databaseUrl } = await testDatabase(t);
  const redis = await testRedis(t);
  const env = { DATABASE_URL: databaseUrl, PARLEY_ADMIN_TOKEN: ADMIN_TOKEN, REDIS_URL: redis.url, PARLEY_WRITE_RATE_PER_MINUTE: '3', PARLEY_VOTE_RATE_PER_MINUTE: '2' };
  const [a, b] = await Promise.all([apiProcess(t, 'a', env), apiProcess(t, 'b', env)]);
  const call = async (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after') };
  };
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  t.equal((await call(a.url, 'POST', '/v1/forums', { slug: 'shared-budget', name: 'Shared' }, admin)).status, 201);
  const thread = (await call(a.url, 'POST', '/v1/forums/shared-budget/threads', { identifier: 'page' }, admin)).body.thread;

  const posts = [];
  for (const [i, api] of [a, b, a, b].entries()) posts.push(await call(api.url, 'POST', `/v1/threads/${thread.id}/posts`, { message: `m${i}`, author: { name: 'G', email: 'g@example.com' } }));
  t.same(posts.map((p) => p.status), [201, 201, 201, 429], 'three writes over two processes, the fourth refused');
  t.same([posts[3].body.error.code, Number(posts[3].retryAfter) >= 1], ['rate_limited', true]);

  const postId = posts[0].body.post.id;
  const votes = [];
  for (const [i, api] of [b, a, b].entries()) votes.push((await call(api.url, 'PUT', `/v1/posts/${postId}/vote`, { value: 1 }, { 'x-parley-voter': `voter-${i}-0123456789abcdef` })).status);
  t.same(votes, [200, 200, 429], 'votes: their own budget, shared too');
});
