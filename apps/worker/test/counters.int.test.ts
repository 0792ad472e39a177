// Counters: exact under concurrency, retries and duplicate deliveries, and visible in the read API.
import t, { type Test } from 'tap';
import { eventRowFromRow, toJobEvent } from '@parley/data';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { testWorker } from '../../../test/harness/worker.ts';

/** The true counts, from the state tables. */
async function truth(api: TestApi) {
  const q = async (sql: string) => (await api.db.exec({ area: 'content', mode: 'read' }, sql)).rows;
  return {
    threads: await q(`SELECT t.id, t.post_count, t.pending_count,
        (SELECT count(*)::int FROM posts p WHERE p.thread_id = t.id AND p.status = 'approved') AS approved,
        (SELECT count(*)::int FROM posts p WHERE p.thread_id = t.id AND p.status = 'pending') AS pending FROM threads t ORDER BY t.id`),
    forums: await q(`SELECT f.id, f.post_count, f.pending_count,
        (SELECT count(*)::int FROM posts p WHERE p.forum_id = f.id AND p.status = 'approved') AS approved,
        (SELECT count(*)::int FROM posts p WHERE p.forum_id = f.id AND p.status = 'pending') AS pending FROM forums f ORDER BY f.id`),
    users: await q(`SELECT u.id, u.post_count,
        (SELECT count(*)::int FROM posts p WHERE p.author_user_id = u.id AND p.status = 'approved') AS approved FROM users u ORDER BY u.id`),
    replies: await q(`SELECT p.id, p.reply_count,
        (SELECT count(*)::int FROM posts c WHERE c.parent_id = p.id AND c.status = 'approved') AS approved FROM posts p ORDER BY p.id`),
  };
}

function assertExact(t: Test, tr: Awaited<ReturnType<typeof truth>>) {
  t.same(tr.threads.filter((r) => r.post_count !== r.approved || r.pending_count !== r.pending), [], 'thread counts are exact');
  t.same(tr.forums.filter((r) => r.post_count !== r.approved || r.pending_count !== r.pending), [], 'forum counts are exact');
  t.same(tr.users.filter((r) => r.post_count !== r.approved), [], 'user counts are exact');
  t.same(tr.replies.filter((r) => r.reply_count !== r.approved), [], 'reply counts are exact');
}

t.test('counters follow creates, moderation and deletes exactly, applied twice or not', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: false });
  const premod = await api.forum(undefined, { preModeration: true });
  const user = (await api.req('POST', '/v1/users', { body: { username: 'counted', email: 'c@example.com', password: 'password-1' } })).body.token;
  const threads = [await api.thread(forum.slug), await api.thread(forum.slug), await api.thread(premod.forum.slug)];
  const posts: { id: string; key: string }[] = [];
  await Promise.all(Array.from({ length: 60 }, async (_, i) => {
    const th = threads[i % 3];
    const parent = posts.length && i % 4 === 1 ? posts[posts.length - 1] : undefined;
    const r = await api.req('POST', `/v1/threads/${th.id}/posts`, {
      token: i % 5 === 0 ? user : undefined,
      body: { message: `c${i}`, ...(i % 5 === 0 ? {} : { author: { name: 'G', email: 'g@example.com' } }), ...(parent && th !== threads[2] ? { parentId: parent.id } : {}) },
    });
    if (r.status === 201) posts.push({ id: r.body.post.id, key: th === threads[2] ? premod.moderatorKey : moderatorKey });
  }));
  await worker.drain();
  assertExact(t, await truth(api));

  // moderation moves posts between counts
  for (const [i, p] of posts.entries()) {
    const action = ['approve', 'spam', 'delete', 'restore', 'approve'][i % 5];
    await api.req('POST', `/v1/posts/${p.id}/${action}`, { token: p.key });
  }
  await worker.drain();
  const after = await truth(api);
  assertExact(t, after);
  t.ok(after.threads.some((r) => r.post_count > 0) && after.threads.some((r) => r.pending_count > 0 || r.post_count < 20), 'the counts are not trivially zero');

  // a duplicate delivery of every event counts nothing more
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, 'SELECT * FROM events ORDER BY id');
  await worker.runtime.processSignals([{ id: 'replayed', data: { v: 1, events: rows.map((r) => toJobEvent(eventRowFromRow(r))) } }]);
  assertExact(t, await truth(api));
});

t.test('counts show in the read API and in POST /v1/counts', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum } = await api.forum('counted');
  const a = await api.thread(forum.slug, 'page-a');
  await api.thread(forum.slug, 'page-b');
  const first = await api.post(a.id);
  await api.post(a.id, { parentId: first.post.id });
  await api.post(a.id);
  await worker.drain();
  t.equal((await api.req('GET', `/v1/threads/${a.id}`)).body.thread.postCount, 3);
  t.equal((await api.req('GET', '/v1/forums/counted')).body.forum.postCount, 3);
  const page = await api.req('GET', `/v1/threads/${a.id}/posts`);
  t.equal(page.body.posts[0].replyCount, 1);
  const counts = await api.req('POST', '/v1/counts', { body: { forum: 'counted', identifiers: ['page-a', 'page-b', 'nope'] } });
  t.same(counts.body, { counts: { 'page-a': 3, 'page-b': 0, nope: 0 } });
  const tooMany = await api.req('POST', '/v1/counts', { body: { forum: 'counted', identifiers: Array.from({ length: 201 }, (_, i) => `p${i}`) } });
  t.equal(tooMany.status, 400);
  const unknown = await api.req('POST', '/v1/counts', { body: { forum: 'no-such-forum', identifiers: ['x'] } });
  t.same([unknown.status, unknown.body.error.code], [404, 'forum_not_found']);
});

t.test('counters:rebuild recomputes every counter from the event log', async (t) => {
  const { rebuildCounters } = await import('../src/counters/rebuild.ts');
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum, moderatorKey } = await api.forum();
  const user = (await api.req('POST', '/v1/users', { body: { username: 'rebuilt', email: 'r@example.com', password: 'password-1' } })).body.token;
  const th = await api.thread(forum.slug);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await api.post(th.id, { message: `r${i}`, ...(i % 3 ? { parentId: ids[0] } : {}) }, i % 2 ? user : undefined)).post.id);
  await api.req('POST', `/v1/posts/${ids[1]}/spam`, { token: moderatorKey });
  await api.req('POST', `/v1/posts/${ids[2]}/delete`, { token: moderatorKey });
  await api.req('POST', `/v1/posts/${ids[2]}/restore`, { token: moderatorKey });
  await worker.drain();
  const lines: string[] = [];
  // pages of 4 rows: every table takes several key-range steps
  const check = await rebuildCounters(api.db, { apply: false, pageSize: 4, log: (l) => lines.push(l) });
  t.same(check.differences, [], 'the live counters equal the counters rebuilt from the log');
  t.equal(check.events, 15, 'every status event read: 12 creations, spam, delete, restore');
  t.match(lines, [/^content\.0: status events read: 15 in \d+ ms/, /^threads: rows compared: 1 in/, /^posts: rows compared: 12 in/, /^forums: rows compared: \d+ in/, /^users: rows compared: \d+ in/]);

  await api.db.exec({ area: 'content', mode: 'write' }, 'UPDATE threads SET post_count = post_count + 7');
  await api.db.exec({ area: 'content', mode: 'write' }, 'UPDATE users SET post_count = 0');
  const broken = await rebuildCounters(api.db, { apply: false, pageSize: 3 });
  t.same(broken.differences.map((d) => `${d.counter}.${d.field}`).sort(), ['thread.post_count', 'user.post_count'], 'a drifted counter is reported');
  t.equal(broken.differing, 2);
  await api.db.exec({ area: 'content', mode: 'write' }, `UPDATE posts SET reply_count = 5 WHERE id = $1`, [ids[5]]);
  t.same((await rebuildCounters(api.db, { apply: true, pageSize: 3 })).differing, 3, 'applying fixes what differs');
  t.same((await rebuildCounters(api.db, { apply: false })).differences, [], 'and fixed by --apply');
  assertExact(t, await truth(api));
  await api.post(th.id);
  await worker.drain();
  assertExact(t, await truth(api));
  t.same((await rebuildCounters(api.db, { apply: false })).differences, [], 'later events still count once');
});
