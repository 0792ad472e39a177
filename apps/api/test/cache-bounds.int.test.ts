// Every per-process map the API keeps has a bound, so a stream of new keys (thread ids, forum
// slugs, moderator keys, client addresses) cannot grow the process without limit (issue 10,
// defect 8: RSS grew under fuzzing; the fuzzer's run checks the live heap after GC too). The rate
// limits' counts in memory are @fastify/rate-limit's LRU, bounded by rate-limits.ts (MEMORY_KEYS).
import t from 'tap';
import { ContentLocator, ForumCache, MemoryCache, type ForumCacheEntry } from '@parley/data';
import { testApi } from '../../../test/harness/app.ts';

t.test('the content locator remembers at most maxEntries ids, and still finds the others', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum('bounded');
  const threads = [];
  for (let i = 0; i < 8; i++) threads.push(await api.thread(forum.slug, `page-${i}`));
  const remembered = new MemoryCache<string>({ maxEntries: 3 });
  const dir = new ContentLocator(api.db, new ForumCache(api.db), { cache: remembered });
  for (const th of threads) t.equal(await dir.forumOfThread(th.id), forum.id, `thread ${th.id}`);
  t.equal(remembered.size, 3, 'three remembered');
  t.equal(await dir.forumOfThread(threads[0].id), forum.id, 'a forgotten thread is read again');
  t.ok(remembered.size <= 3);
});

t.test('the forum cache holds at most maxEntries entries, across slugs, ids and moderator keys', async (t) => {
  const api = await testApi(t);
  const made = [];
  for (let i = 0; i < 6; i++) made.push((await api.forum(`cached-${i}`)).forum);
  const entries = new MemoryCache<ForumCacheEntry>({ maxEntries: 4 });
  const cache = new ForumCache(api.db, { cache: entries });
  for (const f of made) {
    t.equal((await cache.bySlug(f.slug))?.id, f.id);
    t.equal((await cache.byId(f.id))?.slug, f.slug);
  }
  for (let i = 0; i < 50; i++) await cache.bySlug(`no-such-forum-${i}`);
  t.ok(entries.size <= 4, `${entries.size} entries after 12 hits and 50 misses`);
  const byDefault = new ForumCache(api.db, { maxEntries: 4 });
  for (const f of made) t.equal((await byDefault.bySlug(f.slug))?.id, f.id, 'a ForumCache built with maxEntries (its own MemoryCache) answers too');
});
