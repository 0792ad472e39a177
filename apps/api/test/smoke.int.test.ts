import t from 'tap';
import { testApi } from '../../../test/harness/app.ts';

t.test('smoke', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum('smoke');
  t.ok(moderatorKey.startsWith('pmk_'));
  const thread = await api.thread(forum.slug, 'home');
  const a = await api.post(thread.id, { message: 'hello *world*' });
  const b = await api.post(thread.id, { message: 'reply', parentId: a.post.id });
  const list = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.equal(list.status, 200);
  t.same(list.body.posts.map((p: any) => p.id), [a.post.id, b.post.id]);
  const ev = await api.req('GET', `/v1/threads/${thread.id}/events`);
  t.same(ev.body.events.map((e: any) => e.seq), [1, 2, 3]);
  t.equal(ev.body.events[1].post.html, '<p>hello <em>world</em></p>');
  const edit = await api.req('PATCH', `/v1/posts/${a.post.id}`, { token: a.editToken, body: { message: 'edited' } });
  t.equal(edit.status, 200, JSON.stringify(edit.body));
  const v = await api.req('PUT', `/v1/posts/${a.post.id}/vote`, { headers: { 'x-parley-voter': 'guest-voter-key-0001' }, body: { value: 1 } });
  t.equal(v.body.post.score, 1, JSON.stringify(v.body));
  const m = await api.req('POST', `/v1/posts/${b.post.id}/spam`, { token: moderatorKey });
  t.equal(m.body.post.status, 'spam');
  const ev2 = await api.req('GET', `/v1/threads/${thread.id}/events?after=3`);
  t.same(ev2.body.events.map((e: any) => e.type), ['PostEdited', 'VoteCast', 'hidden']);
  const docs = await api.req('GET', '/docs/json');
  t.ok(docs.body.paths['/v1/threads/{threadId}/posts']);
});
