// GET /v1/posts/:postId/source over real HTTP: the author's own source text (for an editor in a
// browser that did not write the comment), by their user token or the comment's edit token;
// anyone else is refused, and nothing of the text leaks in the refusal.
import t from 'tap';
import { overHttp, testApi } from '../../../test/harness/app.ts';

const PASSWORD = 'a long enough password';

t.test('the author reads the source as written; nobody else does', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const ada = (await http('POST', '/v1/users', { username: 'source-ada', email: 'ada@example.com', password: PASSWORD })).body.token as string;
  const bob = (await http('POST', '/v1/users', { username: 'source-bob', email: 'bob@example.com', password: PASSWORD })).body.token as string;
  const byAda = (await http('POST', `/v1/threads/${thread.id}/posts`, { message: 'a **bold** [link](https://example.com)' }, ada)).body.post;
  const byGuest = await http('POST', `/v1/threads/${thread.id}/posts`, { message: 'guest *text*', author: { name: 'Guest', email: 'guest@example.com' } });
  const source = (postId: string, token?: string) => http('GET', `/v1/posts/${postId}/source`, undefined, token);

  const own = await source(byAda.id, ada);
  t.same([own.status, own.body], [200, { message: 'a **bold** [link](https://example.com)', revision: 1 }], 'the author: the markdown as written');
  t.equal((await http('PATCH', `/v1/posts/${byAda.id}`, { message: 'edited _source_' }, ada)).status, 200);
  t.same((await source(byAda.id, ada)).body, { message: 'edited _source_', revision: 2 }, 'after an edit: the new source, at once');
  t.same((await source(byGuest.body.post.id, byGuest.body.editToken)).body, { message: 'guest *text*', revision: 1 }, 'a guest, by the edit token');

  const other = await source(byAda.id, bob);
  t.same([other.status, other.body.error.code], [403, 'forbidden'], 'another user');
  t.notMatch(other.text, /edited/, 'the refusal carries nothing of the text');
  t.same((await source(byAda.id, byGuest.body.editToken)).status, 403, 'another comment\'s edit token');
  t.same([(await source(byAda.id)).status, (await source(byAda.id)).body.error.code], [401, 'unauthorized'], 'no token');
  t.same((await source(byAda.id, moderatorKey)).status, 401, 'a moderator key is not an author');
  t.same((await source('999999', ada)).body.error.code, 'post_not_found');
  t.same((await source('not-an-id', ada)).status, 400, 'a malformed id is a 400, never a 500');
});
