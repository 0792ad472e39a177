// Every limit has a default and a test: body size, message length, page size, nesting, rate.
import t from 'tap';
import { loadConfig } from '@parley/data';
import { testApi } from '../../../test/harness/app.ts';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.same(
    { body: c.bodyLimitBytes, message: c.maxMessageLength, page: c.pageSizeDefault, pageMax: c.pageSizeMax, rate: c.writeRatePerMinute, votes: c.voteRatePerMinute, flags: c.flagRatePerHour, logins: c.loginPerAddress },
    { body: 131072, message: 20000, page: 50, pageMax: 100, rate: 120, votes: 60, flags: 20, logins: 30 },
  );
  t.throws(() => loadConfig({ PARLEY_PAGE_SIZE_MAX: 'lots' }), /whole number/);
  t.throws(() => loadConfig({ PORT: '70000' }), /between/);
});

t.test('a message of exactly the default limit is accepted, one more is refused', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const author = { name: 'Long', email: 'long@example.com' };
  const ok = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'é'.repeat(20000), author } });
  t.equal(ok.status, 201);
  const over = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'é'.repeat(20001), author } });
  t.same([over.status, over.body.error.code, over.body.error.details], [400, 'message_too_long', { length: 20001, maxLength: 20000 }]);
  const huge = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'x'.repeat(140000), author } });
  t.same([huge.status, huge.body.error.code], [413, 'body_too_large'], 'the default body limit (128 KiB) stops it before parsing');
});

t.test('writes are rate limited per client address', async (t) => {
  const api = await testApi(t, { writeRatePerMinute: 5 });
  const { forum } = await api.forum(); // the admin's: not counted
  const thread = await api.thread(forum.slug); // 1
  await api.post(thread.id); // 2
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: `m${i}`, author: { name: 'R', email: 'r@example.com' } } })).status);
  t.same(statuses, [201, 201, 201, 429]);
  const limited = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'again', author: { name: 'R', email: 'r@example.com' } } });
  t.equal(limited.body.error.code, 'rate_limited');
  t.ok(Number(limited.headers['retry-after']) >= 1, 'with Retry-After');
  t.equal((await api.req('GET', `/v1/threads/${thread.id}/posts`)).status, 200, 'reads are not limited');
});

t.test('nesting is capped at the default max depth of 6', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  let parentId: string | undefined;
  const depths: number[] = [];
  for (let i = 0; i < 9; i++) {
    const { post } = await api.post(thread.id, { message: `level ${i}`, ...(parentId ? { parentId } : {}) });
    depths.push(post.depth);
    parentId = post.id;
  }
  t.same(depths, [0, 1, 2, 3, 4, 5, 6, 6, 6]);
});
