// ForumCache on the Cache interface: a forum read once is answered from the cache by id, slug and
// moderator key; forget() drops every copy (the key finds the forum again through its id); and
// an entry lives ttlMs.
import t from 'tap';
import { createHash } from 'node:crypto';
import { ForumCache, forumSql, MemoryCache, type Database, type ForumCacheEntry } from '@parley/data';
import { defaultForumSettings } from '@parley/domain';
import { testDatabase } from '../../../test/harness/db.ts';
import { countQueries } from '../../../test/harness/query-count.ts';

const keyHash = createHash('sha256').update('a moderator key').digest();

async function aForum(db: Database, slug: string): Promise<string> {
  const { rows } = await db.exec({ area: 'forums', mode: 'write' }, forumSql.insertForum, [slug, 'A forum', defaultForumSettings, keyHash, 0]);
  return rows[0].id as string;
}

t.test('one read fills id and slug; the moderator key costs one more, then nothing', async (t) => {
  const { db } = await testDatabase(t);
  const id = await aForum(db, 'cached');
  const forums = new ForumCache(db);
  const first = await countQueries(db, () => forums.bySlug('cached'));
  t.same(first.counts, { forums: 1 });
  const warm = await countQueries(db, async () => {
    t.equal((await forums.byId(id))?.slug, 'cached');
    t.equal((await forums.bySlug('cached'))?.id, id);
  });
  t.same(warm.counts, {}, 'by id and by slug from the cache');
  t.same((await countQueries(db, () => forums.byModeratorKeyHash(keyHash))).counts, { forums: 1 });
  t.same((await countQueries(db, () => forums.byModeratorKeyHash(keyHash))).counts, {}, 'the key, once seen, from the cache');
  t.same((await countQueries(db, () => forums.bySlug('cached', { fresh: true }))).counts, { forums: 1 }, 'fresh reads through');
});

t.test('forget drops every copy: the next read by id, slug or key sees the change', async (t) => {
  const { db } = await testDatabase(t);
  const id = await aForum(db, 'renamed');
  const forums = new ForumCache(db);
  const before = (await forums.byModeratorKeyHash(keyHash))!;
  await db.exec({ area: 'forums', mode: 'write' }, forumSql.updateForum, ['renamed', 'A new name', {}]);
  t.equal((await forums.byId(id))?.name, 'A forum', 'cached until forgotten');
  await forums.forget(before);
  t.equal((await forums.byModeratorKeyHash(keyHash))?.name, 'A new name', 'by key');
  await forums.forget(before);
  t.equal((await forums.bySlug('renamed'))?.name, 'A new name', 'by slug');
  await forums.forget(before);
  t.equal((await forums.byId(id))?.name, 'A new name', 'by id');
});

t.test('an entry lives ttlMs; a missing forum is not cached', async (t) => {
  const { db } = await testDatabase(t);
  let now = 0;
  const forums = new ForumCache(db, { ttlMs: 1000, cache: new MemoryCache<ForumCacheEntry>({ now: () => now }) });
  await aForum(db, 'short-lived');
  await forums.bySlug('short-lived');
  now = 999;
  t.same((await countQueries(db, () => forums.bySlug('short-lived'))).counts, {});
  now = 1000;
  t.same((await countQueries(db, () => forums.bySlug('short-lived'))).counts, { forums: 1 }, 'read again at its TTL');
  t.equal(await forums.bySlug('nothing-here'), undefined);
  t.same((await countQueries(db, () => forums.bySlug('nothing-here'))).counts, { forums: 1 }, 'a miss is asked again');
});
