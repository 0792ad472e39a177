// Query counts are part of the contract: listing and creating posts make a fixed number of
// statements per alias, however many posts, replies or authors there are (no N+1).
import t from 'tap';
import { countQueries } from '../../../test/harness/query-count.ts';
import { testApi } from '../../../test/harness/app.ts';
import { testLayout } from '../../../test/harness/db.ts';


t.test('listing posts: a rendered page is a fixed set of statements, whatever it holds; a cached one, none', async (t) => {
  // a staleness bound longer than the test: a page rendered once is then served from the cache
  const api = await testApi(t, { cacheStaleMs: 600_000 });
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const user = (await api.req('POST', '/v1/users', { body: { username: 'qc', email: 'qc@example.com', password: 'password-1' } })).body.token;
  let parent: string | undefined;
  for (let i = 0; i < 30; i++) {
    const { post } = await api.post(thread.id, { message: `m${i}`, ...(parent && i % 2 ? { parentId: parent } : {}) }, i % 3 === 0 ? user : undefined);
    parent = post.id;
  }
  await api.app.publisher.flushed(); // the realtime NOTIFY for those writes is not the listing's
  const shard = await api.contentAlias({ threadId: thread.id });
  const small = await countQueries(api.db, () => api.req('GET', `/v1/threads/${thread.id}/posts?limit=2`));
  const large = await countQueries(api.db, () => api.req('GET', `/v1/threads/${thread.id}/posts?limit=100`));
  // rendered for the cache: the primary's WAL position, then the page, on its shard; the
  // registered authors' profiles from accounts, one query by the set of ids
  t.same(small.counts, { [shard]: 2, accounts: 1 }, small.statements.join('\n'));
  t.match(small.statements, [new RegExp(`^${shard.replace('.', '\\.')}: SELECT \\(CASE WHEN pg_is_in_recovery`), new RegExp(`^${shard.replace('.', '\\.')}: SELECT p\\.id`), /^accounts: .*FROM users WHERE id = ANY/]);
  t.same(large.counts, { [shard]: 2 }, "the same for 30 posts by many authors; the one registered author's profile from its cached entry (get_many)");
  const again = await countQueries(api.db, () => api.req('GET', `/v1/threads/${thread.id}/posts?limit=2`));
  t.same(again.counts, {}, 'the same page again: from the cache, no statement at all');
  const guestThread = await api.thread(forum.slug);
  for (let i = 0; i < 3; i++) await api.post(guestThread.id, { message: `guest ${i}` });
  await api.app.publisher.flushed();
  const guests = await countQueries(api.db, () => api.req('GET', `/v1/threads/${guestThread.id}/posts`));
  t.same(guests.counts, { [await api.contentAlias({ threadId: guestThread.id })]: 2 }, 'a page of guests only: no accounts query');
  await api.req('GET', `/v1/threads/${thread.id}/posts`, { token: moderatorKey }); // warms the key cache
  const mod = await countQueries(api.db, () => api.req('GET', `/v1/threads/${thread.id}/posts`, { token: moderatorKey }));
  t.same(mod.counts, { [shard]: 1 }, "a moderator's listing is never cached: one statement, on a replica when there is one (the profiles from their cached entries)");
  const cold = await testApi(t);
  const other = await cold.forum();
  const th = await cold.thread(other.forum.slug);
  // creating the thread published its ThreadCreated event (a NOTIFY on the shared pools): let it go out first
  await cold.app.publisher.flushed();
  const fresh = await testApi(t, {}, cold.db);
  const first = await countQueries(fresh.db, () => fresh.req('GET', `/v1/threads/${th.id}/posts`));
  // one database: the thread's forum, then the position and the page. Split: the forum's shard
  // comes from the shard map too (forums area, then cached); the thread's own shard holds the rest
  const coldShard = await cold.contentAlias({ threadId: th.id });
  t.same(first.counts, testLayout() === 'split' ? { [coldShard]: 3, forums: 1 } : { [coldShard]: 3 }, "a process that hasn't seen the thread looks up its forum once");
});

t.test('creating a post: one transaction of four statements, no read before it, then one NOTIFY', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const { post } = await api.post(thread.id); // warms the forum cache
  const shard = await api.contentAlias({ threadId: thread.id });
  const settle = () => api.app.publisher.flushed();
  await settle();
  const write = async (body: Record<string, unknown>, token?: string) => {
    await api.post(thread.id, body, token);
    await settle();
  };
  const guest = await countQueries(api.db, () => write({ message: 'counted' }));
  t.same(guest.counts, { [shard]: 5 }, guest.statements.join('\n'));
  t.same(guest.statements.map((s) => s.split(': ')[1].split(' ')[0]), ['BEGIN', 'WITH', 'WITH', 'COMMIT', 'SELECT'], 'the transaction, then the realtime publish');
  t.match(guest.statements[4], /pg_notify/);
  const reply = await countQueries(api.db, () => write({ message: 'a reply', parentId: post.id }));
  t.same(reply.counts, { [shard]: 5 }, 'a reply costs the same: the parent is placed inside the insert');
  const token = (await api.req('POST', '/v1/users', { body: { username: 'qc2', email: 'qc2@example.com', password: 'password-1' } })).body.token;
  const asUser = await countQueries(api.db, () => write({ message: 'as a user' }, token));
  t.same(asUser.counts, { accounts: 1, [shard]: 5 }, 'a user token costs one accounts query');
  const many = await countQueries(api.db, async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => api.post(thread.id, { message: `together ${i}` })));
    await settle();
  });
  const notifies = many.statements.filter((s) => s.includes('pg_notify')).length;
  t.ok(notifies >= 1 && notifies < 10, `10 concurrent writes published with ${notifies} NOTIFY statements (events committed while one runs go in the next)`);
});
