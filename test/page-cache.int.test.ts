// The public's thread pages from the cache tier (docs/adr/0010), on the in-process cache:
// ETag and 304, Cache-Control and Vary, format-versioned keys, moderators never cached,
// read-your-writes by Parley-Lsn, stampede protection (500 concurrent readers of a cold page, one
// render), the staleness bound, fill on change by the worker's refill, and what the public never
// sees from the cache (held or spam posts), with a deleted post's tombstone replacing it.
import t from 'tap';
import { ContentLocator, ForumCache, MemoryByteCache, type Config } from '@parley/data';
import { defaultRegistry } from '@parley/worker';
import { PAGE_FORMAT, pageCacheOptions, pageKey, ReadModel } from '@parley/read';
import { testApi, type TestApi } from './harness/app.ts';
import { countQueries } from './harness/query-count.ts';
import { testWorker } from './harness/worker.ts';
import { until } from './harness/until.ts';

const pageStatements = (statements: string[]) => statements.filter((s) => /: SELECT p\.id/.test(s)).length;
const ids = (r: { body: { posts: { id: string; status: string }[] } }) => r.body.posts.map((p) => p.id);

t.test('ETag, 304, Cache-Control, Vary; moderators are never cached', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  await api.post(thread.id, { message: 'hello' });
  const first = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.equal(first.status, 200);
  t.match(first.headers.etag, /^"[A-Za-z0-9_-]{22}"$/, 'a strong ETag');
  t.equal(first.headers['cache-control'], 'public, max-age=0, s-maxage=60, stale-while-revalidate=60', 'a CDN may keep it for the staleness bound');
  t.equal(first.headers.vary, 'Origin, Authorization, Parley-Lsn', 'a shared cache keys on Origin (CORS), Authorization (moderators) and Parley-Lsn (read-your-writes)');
  const fromSite = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { origin: 'https://blog.example' } });
  t.same([fromSite.headers['access-control-allow-origin'], fromSite.headers.vary], ['https://blog.example', 'Origin, Authorization, Parley-Lsn'], 'a page answered with CORS headers still varies on Origin');
  const again = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'if-none-match': first.headers.etag as string } });
  t.same([again.status, again.body], [304, ''], 'the same ETag back: 304, no body');
  t.equal(again.headers.etag, first.headers.etag);
  const listed = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'if-none-match': `W/"other", ${first.headers.etag as string}` } });
  t.equal(listed.status, 304, 'one of a list, weak or strong, matches');
  const other = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'if-none-match': '"something-else"' } });
  t.same([other.status, other.body], [200, first.body], 'another ETag: the page');
  const mod = await api.req('GET', `/v1/threads/${thread.id}/posts`, { token: moderatorKey });
  t.equal(mod.headers['cache-control'], 'private, no-store', "a moderator's view is never stored on the way");
  t.equal(mod.headers.etag, undefined, 'nor served from the cache');
  const bad = await api.req('GET', `/v1/threads/${thread.id}/posts?sort=sideways`);
  t.same([bad.status, bad.body.error.code], [400, 'invalid_sort'], 'a bad query is refused before the cache is asked');
  t.equal((await api.req('GET', '/v1/threads/987654321/posts')).status, 404, 'an unknown thread: 404, nothing cached');
});

t.test('keys carry the page format: bytes of another format are never served', async (t) => {
  const cache = new MemoryByteCache();
  const api = await testApi(t, { cacheStaleMs: 60_000 }, undefined, { cache });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  await api.post(thread.id, { message: 'current format' });
  const key = pageKey({ threadId: thread.id, sort: 'oldest', limit: api.config.pageSizeDefault });
  t.match(key, new RegExp(`^parley:page:v${PAGE_FORMAT}:${thread.id}:oldest:`), 'the format version is in the key');
  // what an older deploy would have left under its own key
  await cache.set(key.replace(`:v${PAGE_FORMAT}:`, ':v0:'), Buffer.from('old bytes'), 60);
  const page = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.match(page.body.posts, [{ html: '<p>current format</p>' }]);
  t.ok(await cache.get(key), 'stored under the current format');
});

t.test('500 concurrent readers of a cold page: one render', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  for (let i = 0; i < 20; i++) await api.post(thread.id, { message: `comment ${i}` });
  await api.app.publisher.flushed();
  const { statements } = await countQueries(api.db, async () => {
    const all = await Promise.all(Array.from({ length: 500 }, () => api.req('GET', `/v1/threads/${thread.id}/posts`)));
    t.ok(all.every((r) => r.status === 200 && r.body.posts.length === 20), 'every reader got the page');
    t.equal(new Set(all.map((r) => r.headers.etag)).size, 1, 'the same bytes');
  });
  t.equal(pageStatements(statements), 1, 'the page was queried once');
});

t.test('read-your-writes through the cache: a writer who sends Parley-Lsn back sees the write; others within the bound', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 1500 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  await api.post(thread.id, { message: 'first' });
  const before = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.equal(before.body.posts.length, 1, 'cached with one post');
  const write = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'mine', author: { name: 'Ann', email: 'ann@example.com' } } });
  const lsn = write.headers['parley-lsn'] as string;
  t.ok(lsn, 'the write carries its position');
  const other = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.same(ids(other), ids(before), 'a reader without a position is served the cached page, within its bound');
  const mine = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'parley-lsn': lsn } });
  t.same(ids(mine).at(-1), write.body.post.id, 'the writer, sending it back, reads its own write at once');
  const second = await api.post(thread.id, { message: 'another' });
  const written = Date.now();
  const seen = await until('everyone to see it', 5000, async () => {
    const r = await api.req('GET', `/v1/threads/${thread.id}/posts`);
    return ids(r).includes(second.post.id) ? Date.now() - written : undefined;
  });
  t.ok(seen <= 1500 + 500, `a reader without the position sees a write within the staleness bound and one poll (${seen} ms; bound 1,500)`);
});

/** An API and a worker sharing one in-process cache (as scripts/start.ts runs them), the worker's refill connected. */
async function withRefill(t: Parameters<typeof testApi>[0], overrides: Partial<Config>): Promise<{ api: TestApi; drain: () => Promise<unknown> }> {
  const cache = new MemoryByteCache();
  const api = await testApi(t, overrides, undefined, { cache });
  const read = new ReadModel({
    db: api.db,
    locator: new ContentLocator(api.db, new ForumCache(api.db)),
    pages: { defaultSize: api.config.pageSizeDefault, maxSize: api.config.pageSizeMax },
    cache,
    pageCache: pageCacheOptions(api.config),
  });
  const worker = await testWorker(t, { db: api.db, url: api.url, config: api.config }, { registry: defaultRegistry(api.config, { read }) });
  return { api, drain: () => worker.drain() };
}

t.test('fill on change: the refill overwrites the cached pages of a changed thread; hot readers never miss', async (t) => {
  // a bound no test waits out: what readers see changes only through the refill
  const { api, drain } = await withRefill(t, { cacheStaleMs: 600_000 });
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const kept = await api.post(thread.id, { message: 'kept' });
  const doomed = await api.post(thread.id, { message: 'to delete' });
  await drain();
  for (const sort of ['oldest', 'newest']) await api.req('GET', `/v1/threads/${thread.id}/posts?sort=${sort}`);
  const cachedEtag = (await api.req('GET', `/v1/threads/${thread.id}/posts`)).headers.etag;

  const added = await api.post(thread.id, { message: 'added' });
  t.notOk(ids(await api.req('GET', `/v1/threads/${thread.id}/posts`)).includes(added.post.id), 'before the refill: the previous page');
  await drain();
  const { statements, counts } = await countQueries(api.db, async () => {
    const oldest = await api.req('GET', `/v1/threads/${thread.id}/posts`);
    const newest = await api.req('GET', `/v1/threads/${thread.id}/posts?sort=newest`);
    t.same(ids(oldest), [kept.post.id, doomed.post.id, added.post.id], 'after it: the new post, oldest first');
    t.equal(ids(newest)[0], added.post.id, 'and in the newest-first page too');
    t.not(oldest.headers.etag, cachedEtag, 'a new ETag');
  });
  t.equal(pageStatements(statements), 0, `both served from the refilled cache, no page query (${JSON.stringify(counts)})`);

  const del = await api.req('POST', `/v1/posts/${doomed.post.id}/delete`, { token: moderatorKey });
  t.equal(del.status, 200);
  await drain();
  const after = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.same(ids(after), [kept.post.id, added.post.id], "a deleted post with no replies leaves the public's page");
  const reply = await api.post(thread.id, { message: 'a reply', parentId: kept.post.id });
  await drain();
  t.equal((await api.req('POST', `/v1/posts/${kept.post.id}/delete`, { token: moderatorKey })).status, 200);
  await drain();
  const tomb = (await api.req('GET', `/v1/threads/${thread.id}/posts`)).body.posts;
  t.match(tomb, [{ id: kept.post.id, tombstone: true, html: '', author: null }, { id: reply.post.id }], "a deleted post with a reply: its tombstone replaces it in the cache");
});

t.test('held and spam posts never reach the public from the cache', async (t) => {
  const { api, drain } = await withRefill(t, { cacheStaleMs: 600_000 });
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const thread = await api.thread(forum.slug);
  const approved = await api.post(thread.id, { message: 'approved' });
  t.equal((await api.req('POST', `/v1/posts/${approved.post.id}/approve`, { token: moderatorKey })).status, 200);
  await drain();
  const held = await api.post(thread.id, { message: 'held' });
  const spam = await api.post(thread.id, { message: 'spam' });
  t.equal((await api.req('POST', `/v1/posts/${spam.post.id}/spam`, { token: moderatorKey })).status, 200);
  // a moderator's reads in between must not leak into the public's pages
  t.equal((await api.req('GET', `/v1/threads/${thread.id}/posts`, { token: moderatorKey })).body.posts.length, 3);
  await drain();
  const page = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.same(ids(page), [approved.post.id], 'the public page holds the approved post only');
  t.notOk(JSON.stringify(page.body).includes('held') || JSON.stringify(page.body).includes('>spam<'), 'no text of the others');
  t.equal((await api.req('POST', `/v1/posts/${approved.post.id}/spam`, { token: moderatorKey })).status, 200);
  await drain();
  t.same(ids(await api.req('GET', `/v1/threads/${thread.id}/posts`)), [], 'a published post marked spam leaves the cached page with the refill');
  t.ok(held.post.id);
});

t.test('per-object entries: the counts endpoint and the authors\' profiles, many at once, the misses in one query', async (t) => {
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const { forum } = await api.forum();
  const threads = [await api.thread(forum.slug, 'a'), await api.thread(forum.slug, 'b')];
  const body = { forum: forum.slug, identifiers: ['a', 'b', 'no such page', 'a'] };
  await api.app.publisher.flushed(); // the threads' realtime publish (a NOTIFY) is not the counts'
  const first = await countQueries(api.db, () => api.req('POST', '/v1/counts', { body }));
  t.same(first.counts, { [await api.contentAlias({ threadId: threads[0].id })]: 1 }, 'cold: one query for every identifier');
  const again = await countQueries(api.db, async () => {
    const r = await api.req('POST', '/v1/counts', { body });
    t.same(r.body.counts, { a: 0, b: 0, 'no such page': 0 });
  });
  t.same(again.counts, {}, 'warm: every count from its entry, one get_many');
  const more = await countQueries(api.db, () => api.req('POST', '/v1/counts', { body: { forum: forum.slug, identifiers: ['a', 'c'] } }));
  t.equal(more.statements.filter((s) => /FROM threads WHERE forum_id/.test(s)).length, 1, 'a new identifier: one query, for it alone');
  t.match(more.statements.find((s) => /FROM threads WHERE forum_id/.test(s)) ?? '', /identifier = ANY/);
});
