// A signed-in user's new comment carries the name their profile shows, over real HTTP: the
// display name when they set one, else the username. A comment keeps the name it was written
// with (a later rename does not rewrite it).
import t from 'tap';
import { overHttp, testApi } from '../../../test/harness/app.ts';

const PASSWORD = 'a long enough password';

t.test('a user comments under their display name, or their username without one', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const { token } = (await http('POST', '/v1/users', { username: 'named-ada', email: 'ada@example.com', password: PASSWORD })).body;
  const comment = async (message: string) => {
    const r = await http('POST', `/v1/threads/${thread.id}/posts`, { message }, token);
    t.equal(r.status, 201);
    return r.body.post;
  };

  const plain = await comment('before a display name');
  t.equal(plain.author.name, 'named-ada', 'no display name: the username');

  t.equal((await http('PATCH', '/v1/users/me', { displayName: 'Ada Lovelace' }, token)).status, 200);
  const named = await comment('with a display name');
  t.equal(named.author.name, 'Ada Lovelace', 'the display name');

  const listed = (await http('GET', `/v1/threads/${thread.id}/posts`)).body.posts;
  t.same(listed.map((p: any) => p.author.name), ['named-ada', 'Ada Lovelace'], 'each comment keeps the name it was written with');
  t.same(listed.map((p: any) => p.author.profile?.username), ['named-ada', 'named-ada'], 'both are the same account');

  t.equal((await http('PATCH', '/v1/users/me', { displayName: null }, token)).status, 200);
  t.equal((await comment('display name cleared')).author.name, 'named-ada', 'cleared: the username again');
});
