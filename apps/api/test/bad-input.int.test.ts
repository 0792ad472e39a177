// Every kind of bad input the API promises to refuse with a 4xx and a stable code — never a
// 500 — and without changing anything: the event log is the same before and after.
import t from 'tap';
import { ADMIN_TOKEN, testApi } from '../../../test/harness/app.ts';

t.test('bad input gets a 4xx with a stable code and loses nothing', async (t) => {
  const api = await testApi(t, { maxMessageLength: 200, bodyLimitBytes: 4096 });
  const { forum, moderatorKey } = await api.forum('bad-input', { editWindowSeconds: 0 });
  const other = await api.forum('bad-input-other');
  const thread = await api.thread(forum.slug, 'page-a');
  const otherThread = await api.thread(forum.slug, 'page-b');
  const { post, editToken } = await api.post(thread.id, { message: 'a comment' });
  const { post: elsewhere } = await api.post(otherThread.id, { message: 'elsewhere' });
  const guest = { name: 'Ann', email: 'ann@example.com' };
  const P = `/v1/threads/${thread.id}/posts`;

  type Case = [name: string, method: string, path: string, opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> }, status: number, code: string];
  const cases: Case[] = [
    ['malformed JSON', 'POST', P, { raw: '{"message": "hi",' }, 400, 'invalid_json'],
    ['empty JSON body', 'POST', P, { raw: '' , headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['not JSON at all', 'POST', P, { raw: 'message=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['unknown field', 'POST', P, { body: { message: 'hi', author: guest, colour: 'red' } }, 400, 'unknown_field'],
    ['unknown nested field', 'POST', P, { body: { message: 'hi', author: { ...guest, age: 3 } } }, 400, 'unknown_field'],
    ['missing message', 'POST', P, { body: { author: guest } }, 400, 'missing_field'],
    ['message of wrong type', 'POST', P, { body: { message: 42, author: guest } }, 400, 'invalid_field'],
    ['parentId of wrong type', 'POST', P, { body: { message: 'hi', parentId: 7, author: guest } }, 400, 'invalid_field'],
    ['message over the limit', 'POST', P, { body: { message: 'x'.repeat(201), author: guest } }, 400, 'message_too_long'],
    ['empty message', 'POST', P, { body: { message: '', author: guest } }, 400, 'message_empty'],
    ['whitespace-only message', 'POST', P, { body: { message: ' \n\t ', author: guest } }, 400, 'message_empty'],
    ['guest email not an email', 'POST', P, { body: { message: 'hi', author: { name: 'Ann', email: 'ann-at-example' } } }, 400, 'invalid_email'],
    ['no author and no token', 'POST', P, { body: { message: 'hi' } }, 400, 'invalid_author'],
    ['blank guest name', 'POST', P, { body: { message: 'hi', author: { name: '  ', email: 'a@example.com' } } }, 400, 'name_required'],
    ['invalid forum slug', 'GET', '/v1/forums/Not_A_Slug', {}, 400, 'invalid_slug'],
    ['invalid slug on create', 'POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'x', name: 'X' } }, 400, 'invalid_slug'],
    ['unknown forum', 'GET', '/v1/forums/no-such-forum', {}, 404, 'forum_not_found'],
    ['unknown sort', 'GET', `${P}?sort=best`, {}, 400, 'invalid_sort'],
    ['malformed cursor', 'GET', `${P}?cursor=!!!`, {}, 400, 'invalid_cursor'],
    ['forged cursor', 'GET', `${P}?cursor=${Buffer.from('{"s":"oldest","p":["1;drop"]}').toString('base64url')}`, {}, 400, 'invalid_cursor'],
    ['cursor of another sort', 'GET', `${P}?sort=newest&cursor=${Buffer.from('{"s":"oldest","p":["1"]}').toString('base64url')}`, {}, 400, 'invalid_cursor'],
    ['limit not a number', 'GET', `${P}?limit=many`, {}, 400, 'invalid_field'],
    ['limit over the max', 'GET', `${P}?limit=101`, {}, 400, 'invalid_limit'],
    ['limit zero', 'GET', `${P}?limit=0`, {}, 400, 'invalid_limit'],
    ['unknown query parameter', 'GET', `${P}?page=2`, {}, 400, 'unknown_field'],
    ['malformed thread id', 'GET', '/v1/threads/abc', {}, 400, 'invalid_id'],
    ['thread id beyond bigint', 'GET', '/v1/threads/99999999999999999999', {}, 400, 'invalid_id'],
    ['unknown thread', 'GET', '/v1/threads/987654321', {}, 404, 'thread_not_found'],
    ['thread id on a shard that does not exist', 'GET', '/v1/threads/9223372036854775807/posts', {}, 404, 'thread_not_found'],
    ['post id on a shard that does not exist', 'PUT', '/v1/posts/2533274790395905/vote', { headers: { 'x-parley-voter': 'voter-key-000000001' }, body: { value: 1 } }, 404, 'post_not_found'],
    ['post to unknown thread', 'POST', '/v1/threads/987654321/posts', { body: { message: 'hi', author: guest } }, 404, 'thread_not_found'],
    ['unknown post edit', 'PATCH', '/v1/posts/987654321', { token: editToken, body: { message: 'x' } }, 404, 'post_not_found'],
    ['unknown post approve', 'POST', '/v1/posts/987654321/approve', { token: moderatorKey }, 404, 'post_not_found'],
    ['unknown moderation action', 'POST', `/v1/posts/${post.id}/promote`, { token: moderatorKey }, 400, 'invalid_field'],
    ['unknown parent', 'POST', P, { body: { message: 'hi', parentId: '987654321', author: guest } }, 404, 'parent_not_found'],
    ['malformed parent id', 'POST', P, { body: { message: 'hi', parentId: 'x1', author: guest } }, 400, 'invalid_id'],
    ['parent in another thread', 'POST', P, { body: { message: 'hi', parentId: elsewhere.id, author: guest } }, 422, 'parent_in_other_thread'],
    ['edit after the window', 'PATCH', `/v1/posts/${post.id}`, { token: editToken, body: { message: 'late' } }, 403, 'edit_window_closed'],
    ['edit with no credential', 'PATCH', `/v1/posts/${post.id}`, { body: { message: 'x' } }, 401, 'unauthorized'],
    ['vote out of range', 'PUT', `/v1/posts/${post.id}/vote`, { headers: { 'x-parley-voter': 'voter-key-000000001' }, body: { value: 2 } }, 400, 'invalid_vote'],
    ['vote not a number', 'PUT', `/v1/posts/${post.id}/vote`, { headers: { 'x-parley-voter': 'voter-key-000000001' }, body: { value: '1' } }, 400, 'invalid_field'],
    ['vote without voter', 'PUT', `/v1/posts/${post.id}/vote`, { body: { value: 1 } }, 400, 'invalid_voter'],
    ['vote on unknown post', 'PUT', '/v1/posts/987654321/vote', { headers: { 'x-parley-voter': 'voter-key-000000001' }, body: { value: 1 } }, 404, 'post_not_found'],
    ['body over the size limit', 'POST', P, { body: { message: 'y'.repeat(5000), author: guest } }, 413, 'body_too_large'],
    ['bad Authorization scheme', 'PATCH', `/v1/posts/${post.id}`, { headers: { authorization: 'Basic abc' }, body: { message: 'x' } }, 401, 'unauthorized'],
    ['unknown token', 'PATCH', '/v1/forums/bad-input', { token: 'pmk_not-a-real-key', body: { name: 'x' } }, 401, 'unauthorized'],
    ['other forum moderator key', 'POST', `/v1/posts/${post.id}/spam`, { token: other.moderatorKey }, 403, 'forbidden'],
    ['forum settings out of range', 'PATCH', '/v1/forums/bad-input', { token: moderatorKey, body: { settings: { maxDepth: 99 } } }, 400, 'invalid_settings'],
    ['bad allowed origin', 'PATCH', '/v1/forums/bad-input', { token: moderatorKey, body: { settings: { allowedOrigins: ['https://x.com/path'] } } }, 400, 'invalid_settings'],
    ['unknown route', 'GET', '/v1/nothing-here', {}, 404, 'route_not_found'],
    ['thread url not http', 'POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier: 'p', url: 'javascript:alert(1)' } }, 400, 'invalid_field'],
    ['user with bad email', 'POST', '/v1/users', { body: { username: 'ann', email: 'nope', password: 'long-enough-pw' } }, 400, 'invalid_email'],
    ['user with short password', 'POST', '/v1/users', { body: { username: 'ann', email: 'a@example.com', password: 'short' } }, 400, 'weak_password'],
    ['user with bad username', 'POST', '/v1/users', { body: { username: 'a b', email: 'a@example.com', password: 'long-enough-pw' } }, 400, 'invalid_username'],
  ];

  const count = async () => (await api.everywhere('SELECT count(*)::int AS n FROM events')).reduce((n, r) => n + r.n, 0);
  const before = await count();
  for (const [name, method, path, opts, status, code] of cases) {
    const r = await api.req(method, path, opts);
    t.equal(r.status, status, `${name}: status`);
    t.equal(r.body?.error?.code, code, `${name}: code (${JSON.stringify(r.body).slice(0, 200)})`);
    t.ok(typeof r.body?.error?.message === 'string' && r.body.error.message.length > 10, `${name}: a message a person can act on`);
  }
  t.equal(await count(), before, 'no refused request wrote anything');
});
