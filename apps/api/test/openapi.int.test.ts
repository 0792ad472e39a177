// Response schemas are part of the document (/docs/json), and real answers match the schemas they
// are documented with: a listing with a tombstone, a moderator's thread view, an error body.
import t from 'tap';
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import { testApi } from '../../../test/harness/app.ts';
import { CreatedPostAnswer, ErrorBody, PostPageAnswer, ThreadAnswer } from '../src/responses.ts';

const json = (op: any, status: string) => op.responses[status]?.content?.['application/json']?.schema;

t.test('the OpenAPI document describes response bodies', async (t) => {
  const api = await testApi(t);
  const { paths } = (await api.req('GET', '/docs/json')).body;
  const listing = json(paths['/v1/threads/{threadId}/posts'].get, '200');
  t.ok(listing, 'the listing has a 200 body');
  t.same(Object.keys(listing.properties).sort(), ['nextCursor', 'posts']);
  const post = listing.properties.posts.items;
  for (const field of ['id', 'parentId', 'author', 'html', 'status', 'score', 'replyCount', 'revision', 'createdAt', 'editedAt', 'tombstone']) {
    t.ok(post.properties[field], `a post documents ${field}`);
  }
  t.ok(json(paths['/v1/threads/{threadId}'].get, '200').properties.thread.properties.pendingCount, 'the thread documents pendingCount');
  t.ok(json(paths['/v1/threads/{threadId}/posts'].post, '201').properties.editToken, 'a created post documents its editToken');
  t.ok(json(paths['/v1/forums'].post, '201').properties.moderatorKey, 'a created forum documents its moderator key');
  const refusal = json(paths['/v1/posts/{postId}/vote'].put, '4XX') ?? json(paths['/v1/posts/{postId}/vote'].put, '4xx');
  t.same(Object.keys(refusal?.properties?.error?.properties ?? {}).sort(), ['code', 'details', 'message'], 'refusals document the error body');
});

t.test('answers match the schemas they are documented with', async (t) => {
  const api = await testApi(t);
  const matches = (schema: TSchema, body: unknown, what: string) =>
    t.same([...Value.Errors(schema, body)].map((e) => `${e.instancePath} ${e.message}`), [], what);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const root = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'root', author: { name: 'A', email: 'a@example.com' } } });
  matches(CreatedPostAnswer, root.body, 'a created post, with its edit token');
  t.ok(root.body.editToken, 'the edit token survives the serializer');
  await api.post(thread.id, { parentId: root.body.post.id });
  t.equal((await api.req('POST', `/v1/posts/${root.body.post.id}/delete`, { token: moderatorKey })).status, 200);
  const pub = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  matches(PostPageAnswer, pub.body, 'the public listing');
  t.equal(pub.body.posts[0].tombstone, true, 'with the deleted root as a tombstone');
  const mod = await api.req('GET', `/v1/threads/${thread.id}/posts`, { token: moderatorKey });
  matches(PostPageAnswer, mod.body, "a moderator's listing");
  const th = await api.req('GET', `/v1/threads/${thread.id}`, { token: moderatorKey });
  matches(ThreadAnswer, th.body, "a moderator's thread view");
  t.equal(typeof th.body.thread.pendingCount, 'number', 'pendingCount reaches moderators');
  const refused = await api.req('PUT', `/v1/posts/${root.body.post.id}/vote`, { body: { value: 7 }, headers: { 'x-parley-voter': 'v'.repeat(20) } });
  matches(ErrorBody, refused.body, 'a refusal');
  t.same([refused.status, refused.body.error.code, refused.body.error.details], [400, 'invalid_vote', { value: 7 }], 'with its details');
});
