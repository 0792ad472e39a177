import t from 'tap';
import { defaultModerationSettings } from '@parley/domain';
import { ADMIN_TOKEN, testApi } from '../../../test/harness/app.ts';

t.test('forums: created by the admin, read by anyone, changed by its moderators', async (t) => {
  const api = await testApi(t);
  const anon = await api.req('POST', '/v1/forums', { body: { slug: 'news', name: 'News' } });
  t.equal(anon.status, 401);
  const created = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'news', name: 'News', settings: { maxDepth: 3 } } });
  t.equal(created.status, 201);
  t.match(created.body.moderatorKey, /^pmk_/);
  t.same(created.body.forum.settings, { editWindowSeconds: 900, preModeration: false, maxDepth: 3, allowedOrigins: [], ssoJwksUrl: null, ssoAudience: null, guestsMayPost: true, guestEmailRequired: true, erasedAuthorPosts: 'anonymize', moderation: defaultModerationSettings });
  t.notOk(JSON.stringify(created.body.forum).includes(created.body.moderatorKey), 'the key is not part of the forum');
  const dup = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'news', name: 'Again' } });
  t.same([dup.status, dup.body.error.code], [409, 'slug_taken']);
  const asMod = await api.req('POST', '/v1/forums', { token: created.body.moderatorKey, body: { slug: 'other', name: 'Other' } });
  t.same([asMod.status, asMod.body.error.code], [403, 'forbidden']);

  const got = await api.req('GET', '/v1/forums/news');
  t.equal(got.status, 200);
  t.equal(got.body.forum.name, 'News');
  t.notOk(JSON.stringify(got.body).includes('moderator'), 'no key material in the public view');
  t.notOk('moderation' in got.body.forum.settings, 'the rules (the blocklist) are not shown to the public');

  const key = created.body.moderatorKey;
  const patched = await api.req('PATCH', '/v1/forums/news', { token: key, body: { name: 'Daily News', settings: { preModeration: true } } });
  t.equal(patched.status, 200);
  t.same(patched.body.forum.settings, { editWindowSeconds: 900, preModeration: true, maxDepth: 3, allowedOrigins: [], ssoJwksUrl: null, ssoAudience: null, guestsMayPost: true, guestEmailRequired: true, erasedAuthorPosts: 'anonymize', moderation: defaultModerationSettings }, 'a change merges into the stored settings');
  t.same((await api.req('GET', '/v1/forums/news', { token: key })).body.forum.settings.moderation, defaultModerationSettings, 'its moderators read the rules');

  const rules = await api.req('PATCH', '/v1/forums/news', { token: key, body: { settings: { moderation: { links: { maxLinks: 5 }, blocklist: { entries: [{ kind: 'word', term: 'casino', action: 'spam' }] } } } } });
  t.equal(rules.status, 200);
  t.same(rules.body.forum.settings.moderation.links, { ...defaultModerationSettings.links, maxLinks: 5 }, 'a section changes field by field');
  t.same(rules.body.forum.settings.moderation.blocklist.entries, [{ kind: 'word', term: 'casino', action: 'spam' }]);
  t.same(rules.body.forum.settings.moderation.newCommenter, defaultModerationSettings.newCommenter, 'the other sections keep their values');
  const badRule = await api.req('PATCH', '/v1/forums/news', { token: key, body: { settings: { moderation: { links: { maxLinks: -1 } } } } });
  t.same([badRule.status, badRule.body.error.code], [400, 'invalid_settings']);
  t.match(badRule.body.error.message, /moderation\.links\.maxLinks/, 'the message names the setting');
  const unknownRule = await api.req('PATCH', '/v1/forums/news', { token: key, body: { settings: { moderation: { links: { maxLinkz: 5 } } } } });
  t.equal(unknownRule.status, 400, 'an unknown rule is refused');
  const byAdmin = await api.req('PATCH', '/v1/forums/news', { token: ADMIN_TOKEN, body: { settings: { allowedOrigins: ['https://news.example'] } } });
  t.same(byAdmin.body.forum.settings.allowedOrigins, ['https://news.example']);
  t.equal(byAdmin.body.forum.settings.preModeration, true);
  const other = await api.forum('elsewhere');
  const foreign = await api.req('PATCH', '/v1/forums/news', { token: other.moderatorKey, body: { name: 'Hijacked' } });
  t.same([foreign.status, foreign.body.error.code], [403, 'forbidden'], "a moderator key of forum B can do nothing in forum A");
  t.equal((await api.req('GET', '/v1/forums/news')).body.forum.name, 'Daily News');
});

t.test('threads: get-or-create by identifier', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum('site');
  const first = await api.req('POST', '/v1/forums/site/threads', { body: { identifier: 'post-42', url: 'https://site.example/post-42', title: 'Post 42' } });
  t.equal(first.status, 201);
  t.same({ ...first.body.thread, id: undefined, createdAt: undefined }, {
    id: undefined, forumId: forum.id, identifier: 'post-42', url: 'https://site.example/post-42', title: 'Post 42', status: 'open', lastSeq: 1, postCount: 0, createdAt: undefined,
  });
  const again = await api.req('POST', '/v1/forums/site/threads', { body: { identifier: 'post-42' } });
  t.equal(again.status, 200);
  t.equal(again.body.thread.id, first.body.thread.id);
  const concurrent = await Promise.all(Array.from({ length: 8 }, () => api.req('POST', '/v1/forums/site/threads', { body: { identifier: 'race' } })));
  t.equal(new Set(concurrent.map((r) => r.body.thread.id)).size, 1, 'concurrent creators get one thread');
  t.equal(concurrent.filter((r) => r.status === 201).length, 1, 'exactly one of them created it');
  const got = await api.req('GET', `/v1/threads/${first.body.thread.id}`);
  t.equal(got.body.thread.identifier, 'post-42');
  const unknownForum = await api.req('POST', '/v1/forums/nope-nope/threads', { body: { identifier: 'x' } });
  t.same([unknownForum.status, unknownForum.body.error.code], [404, 'forum_not_found']);
});

t.test('allowedOrigins: browser writes from other origins are refused', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum('strict', { allowedOrigins: ['https://good.example'] });
  const ok = await api.req('POST', '/v1/forums/strict/threads', { headers: { origin: 'https://good.example' }, body: { identifier: 'a' } });
  t.equal(ok.status, 201);
  const bad = await api.req('POST', '/v1/forums/strict/threads', { headers: { origin: 'https://evil.example' }, body: { identifier: 'b' } });
  t.same([bad.status, bad.body.error.code], [403, 'origin_not_allowed']);
  const post = await api.req('POST', `/v1/threads/${ok.body.thread.id}/posts`, {
    headers: { origin: 'https://evil.example' },
    body: { message: 'hi', author: { name: 'X', email: 'x@example.com' } },
  });
  t.same([post.status, post.body.error.code], [403, 'origin_not_allowed']);
  t.ok(forum);
});

t.test('the OpenAPI document lists every route', async (t) => {
  const api = await testApi(t);
  const doc = await api.req('GET', '/docs/json');
  t.equal(doc.status, 200);
  t.equal(doc.body.openapi.slice(0, 2), '3.');
  for (const path of ['/v1/forums', '/v1/forums/{slug}', '/v1/forums/{slug}/threads', '/v1/threads/{threadId}', '/v1/threads/{threadId}/posts',
    '/v1/threads/{threadId}/events', '/v1/posts/{postId}', '/v1/posts/{postId}/{action}', '/v1/posts/{postId}/vote', '/v1/users', '/v1/sessions']) {
    t.ok(doc.body.paths[path], `documents ${path}`);
  }
  t.ok(doc.body.paths['/v1/threads/{threadId}/posts'].post.requestBody, 'with request schemas');
  const health = await api.req('GET', '/healthz');
  const every = Object.fromEntries(api.db.primaries().map((p) => [p.alias, 'ok']));
  t.ok(Object.keys(every).length >= 3, `accounts, forums and each content shard: ${Object.keys(every).join(', ')}`);
  t.same([health.status, health.body], [200, { ok: true, databases: every }], 'healthz reports each database it depends on');
});
