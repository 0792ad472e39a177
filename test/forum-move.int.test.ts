// Online forum moves (docs/adr/0009) on a real two-shard topology (accounts, content 0, content 1),
// with the API, realtime and the worker running on it. A forum on shard 0 is moved to shard 1 while
// four writers post to it and a websocket subscriber follows one of its threads:
// - no acknowledged write is lost or stored twice, and a write that meets the fence waits and
//   lands on the new shard;
// - the subscriber's sequence is gap-free across the switch;
// - ids never change, and routes by id find the moved content;
// - the old copy is gone only after verification, and counters are right on the new shard.
// A move whose verification fails leaves the forum where it was, taking writes.
import t, { type Test } from 'tap';
import { shardOfId } from '@parley/data';
import { moveForum } from '../apps/worker/src/moves/forum-move.ts';
import { startWorker } from '@parley/worker';
import type { TestApi } from './harness/app.ts';
import { testRealtimeStack, wsClient } from './harness/realtime.ts';
import { forumOnShard, twoShards } from './harness/topology.ts';
import { until } from './harness/until.ts';

/** Writers posting as fast as they are answered; every answer is kept. */
function writers(api: TestApi, threadIds: string[], n: number) {
  const acked: string[] = [];
  const failed: { status: number; body: unknown }[] = [];
  let stop = false;
  let i = 0;
  const loops = Array.from({ length: n }, async () => {
    while (!stop) {
      const threadId = threadIds[i++ % threadIds.length];
      const r = await api.req('POST', `/v1/threads/${threadId}/posts`, { body: { message: `load ${i}`, author: { name: 'Writer', email: 'w@example.com' } } });
      if (r.status === 201) acked.push(r.body.post.id);
      else failed.push({ status: r.status, body: r.body });
    }
  });
  return {
    acked,
    failed,
    async stop() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

t.test('a forum moves to another shard under write load, with a realtime subscriber', async (t) => {
  const { db, c0, c1, sql } = await twoShards(t);
  const { api, wsUrl } = await testRealtimeStack(t, {}, { shared: db });
  const worker = await startWorker({ config: api.config, db, log: () => {} });
  t.teardown(() => worker.close());

  const { forum, moderatorKey } = await forumOnShard(api, 'moving', 0);
  const threads = [await api.thread('moving', 'one'), await api.thread('moving', 'two'), await api.thread('moving', 'three')];
  const seeded: string[] = [];
  // some replies (in the same thread: post i - 3 is in thread i % 3 too), so reply counts move as well
  for (let i = 0; i < 60; i++) seeded.push((await api.post(threads[i % 3].id, { message: `seed ${i}`, ...(i % 5 === 4 ? { parentId: seeded[i - 3] } : {}) })).post.id);
  const voted = await api.req('PUT', `/v1/posts/${seeded[0]}/vote`, { body: { value: 1 }, headers: { 'x-parley-voter': 'voter-0123456789abcdef' } });
  t.equal(voted.status, 200);
  const spam = await api.req('POST', `/v1/posts/${seeded[1]}/spam`, { token: moderatorKey });
  t.equal(spam.status, 200);
  const bystander = await forumOnShard(api, 'staying', 0);
  const stayThread = await api.thread('staying', 'here');

  const ws = await wsClient(t, wsUrl);
  t.equal((await ws.subscribe(threads[0].id)).op, 'subscribed');

  const load = writers(api, threads.map((th) => th.id), 4);
  await until('some writes before the move', 10_000, async () => (load.acked.length >= 40 ? true : undefined));

  let fencedWrite: Promise<{ status: number; body: any }> | undefined;
  let settled = false;
  let settledDuringFence: boolean | undefined;
  const lines: string[] = [];
  const report = await moveForum(db, {
    slug: 'moving',
    to: 1,
    log: (l) => lines.push(l),
    routeTtlMs: 5000,
    async onFenced() {
      // a write that meets the fence waits for the switch, then lands on the new shard
      fencedWrite = api.req('POST', `/v1/threads/${threads[1].id}/posts`, { body: { message: 'at the fence', parentId: seeded[4], author: { name: 'Fenced', email: 'f@example.com' } } });
      void fencedWrite.then(() => void (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      settledDuringFence = settled;
    },
  });
  t.equal(settledDuringFence, false, 'a write that met the fence was still waiting 300 ms later');
  const fenced = await fencedWrite!;
  t.equal(fenced.status, 201, 'and was answered 201 after it');
  await until('more writes after the move', 10_000, async () => (load.acked.length >= 40 + 80 ? true : undefined));
  await load.stop();
  t.same(load.failed, [], 'no write failed during the move');
  t.ok(report.removed, 'the old copy was removed');
  t.same(report.verified.map((v) => v.table), ['threads', 'posts', 'votes', 'post_flags', 'events'], 'every table verified');
  t.ok(lines.some((l) => /^verified: .*checksums and heads match/.test(l)), 'progress says so');
  t.ok(lines.findIndex((l) => l.startsWith('verified')) < lines.findIndex((l) => l.startsWith('removed the old copy')), 'verification came before the removal');
  t.ok(report.fenceMs < 5000, `writes waited ${report.fenceMs} ms at the fence`);

  const acked = [...load.acked, fenced.body.post.id, ...seeded];
  const [{ shard }] = await sql(api.db.primaryUrl({ area: 'accounts' }), 'SELECT shard FROM forums WHERE id = $1', [forum.id]);
  t.equal(shard, 1, 'the shard map says shard 1');
  const onNew = await sql(c1.url, 'SELECT id::text FROM posts WHERE forum_id = $1', [forum.id]);
  const stored = onNew.map((r) => r.id as string);
  t.equal(new Set(stored).size, stored.length, 'no post stored twice');
  t.same(new Set(stored), new Set(acked), `every acknowledged write is on shard 1, and nothing else (${acked.length} posts)`);
  const [left] = await sql(c0.url, `SELECT (SELECT count(*) FROM threads WHERE forum_id = $1)::int AS threads, (SELECT count(*) FROM posts WHERE forum_id = $1)::int AS posts,
    (SELECT count(*) FROM events WHERE forum_id = $1)::int AS events, (SELECT to_shard FROM forum_fences WHERE forum_id = $1) AS fence`, [forum.id]);
  t.same(left, { threads: 0, posts: 0, events: 0, fence: 1 }, 'shard 0 keeps nothing of the forum but its fence');
  const [stays] = await sql(c0.url, 'SELECT count(*)::int AS n FROM threads WHERE forum_id = $1', [bystander.forum.id]);
  t.equal(stays.n, 1, 'another forum on shard 0 is untouched');
  t.equal((await api.post(stayThread.id, { message: 'still here' })).post.id.length > 0, true, 'and takes writes');

  // ids never change: every route by id finds the moved content
  t.equal(shardOfId(threads[0].id), 0, 'the thread keeps its shard-0 id');
  const page = await api.req('GET', `/v1/threads/${threads[0].id}/posts?limit=100`);
  t.equal(page.status, 200);
  t.ok(page.body.posts.some((p: { id: string }) => p.id === seeded[0]), 'its page is read from shard 1');
  const edit = await api.req('POST', `/v1/posts/${seeded[3]}/delete`, { token: moderatorKey });
  t.equal(edit.status, 200, 'a moderator action finds a moved post by its id');
  const after = await api.post(threads[0].id, { message: 'after the move' });
  t.equal(shardOfId(after.post.id), 1, 'a new post in the moved forum gets a shard-1 id');

  // the subscriber: gap-free across the switch, up to the thread's head on shard 1
  const [head] = await sql(c1.url, 'SELECT last_seq::int AS seq FROM threads WHERE id = $1', [threads[0].id]);
  await ws.reach(threads[0].id, head.seq, 15_000);
  const seqs = [...new Set(ws.seqs(threads[0].id))].sort((a, b) => a - b);
  t.same(seqs, Array.from({ length: head.seq - seqs[0] + 1 }, (_, i) => seqs[0] + i), `the subscriber saw ${seqs[0]}..${head.seq} with no gap`);

  // counters on the new shard, once the worker caught up
  const counted = await until('the counters to settle on shard 1', 30_000, async () => {
    const rows = await sql(c1.url, `SELECT t.id, t.post_count, (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'approved')::int AS published
      FROM threads t WHERE t.forum_id = $1`, [forum.id]);
    return rows.every((r) => r.post_count === r.published) ? rows : undefined;
  });
  t.equal(counted.length, 3, "each thread's post count matches its published posts on shard 1");
  const wrongReplies = await until('the reply counts to settle on shard 1', 30_000, async () => {
    const [r] = await sql(c1.url, `SELECT count(*)::int AS n FROM posts p WHERE p.forum_id = $1
      AND p.reply_count <> (SELECT count(*) FROM posts c WHERE c.parent_id = p.id AND c.status = 'approved')`, [forum.id]);
    return r.n === 0 ? r.n : undefined;
  });
  t.equal(wrongReplies, 0, 'and every reply count its published replies, the reply written at the fence included');
});

t.test('a move that fails, at its verification or at its fence, changes nothing: the forum stays, and takes writes', async (t) => {
  const { db, c0, c1, sql } = await twoShards(t);
  const { api } = await testRealtimeStack(t, {}, { shared: db });
  const { forum } = await forumOnShard(api, 'stays', 0);
  const thread = await api.thread('stays', 'page');
  const first = await api.post(thread.id, { message: 'first' });
  for (let i = 0; i < 5; i++) await api.post(thread.id, { message: `more ${i}` });
  const stays = async (t: Test, lines: string[], posts: number) => {
    t.ok(lines.some((l) => l.startsWith('aborted, forum stays stays on content shard 0')), 'it says the forum stays');
    const [{ shard }] = await sql(api.db.primaryUrl({ area: 'accounts' }), 'SELECT shard FROM forums WHERE id = $1', [forum.id]);
    t.equal(shard, 0, 'the shard map is unchanged');
    const [old] = await sql(c0.url, `SELECT (SELECT count(*) FROM posts WHERE forum_id = $1)::int AS posts, (SELECT count(*) FROM forum_fences WHERE forum_id = $1)::int AS fences`, [forum.id]);
    t.same(old, { posts, fences: 0 }, 'the old copy is whole and unfenced');
    const [copy] = await sql(c1.url, 'SELECT count(*)::int AS n FROM threads WHERE forum_id = $1', [forum.id]);
    t.equal(copy.n, 0, 'the partial copy is gone');
    t.equal((await api.post(thread.id, { message: 'after the failed move' })).post.id.length > 0, true, 'the forum takes writes');
  };

  await t.test('a copy that differs from its source fails the verification', async (t) => {
    const lines: string[] = [];
    await t.rejects(
      moveForum(db, {
        slug: 'stays',
        to: 1,
        log: (l) => lines.push(l),
        // as a fault in the copy would leave it
        onCopied: async () => void (await sql(c1.url, `UPDATE posts SET message = 'tampered' WHERE id = $1`, [first.post.id])),
      }),
      /verification failed: posts/,
    );
    await stays(t, lines, 6);
  });

  await t.test('a failure after the fence unfences the forum at once', async (t) => {
    const lines: string[] = [];
    let held: Promise<unknown> | undefined;
    await t.rejects(
      moveForum(db, {
        slug: 'stays',
        to: 1,
        log: (l) => lines.push(l),
        async onFenced() {
          // a write that meets the fence waits; the move then fails: the write lands on the old shard
          held = api.post(thread.id, { message: 'held at the fence' });
          await new Promise((r) => setTimeout(r, 200));
          throw new Error('the target went away');
        },
      }),
      /the target went away/,
    );
    await held;
    await stays(t, lines, 8);
  });
});

t.test('a write that waits past PARLEY_MOVE_WAIT_MS for a move to switch answers 503 forum_moving and saves nothing', async (t) => {
  const { db, c0, sql } = await twoShards(t);
  const { api } = await testRealtimeStack(t, { moveWaitMs: 400 }, { shared: db });
  const { forum } = await forumOnShard(api, 'stuck', 0);
  const thread = await api.thread('stuck', 'page');
  await api.post(thread.id, { message: 'before' });
  // a fence whose switch never comes (a move that stopped half-way would unfence; this one is held)
  await sql(c0.url, 'INSERT INTO forum_fences (forum_id, to_shard) VALUES ($1, 1)', [forum.id]);
  const started = Date.now();
  const r = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'waits', author: { name: 'W', email: 'w@example.com' } } });
  const waited = Date.now() - started;
  t.same([r.status, r.body.error?.code], [503, 'forum_moving'], r.body.error?.message);
  t.ok(waited >= 400 && waited < 5000, `it waited ${waited} ms (the limit is 400 ms)`);
  const [n] = await sql(c0.url, 'SELECT count(*)::int AS n FROM posts WHERE forum_id = $1', [forum.id]);
  t.equal(n.n, 1, 'nothing of it was saved');
  const vote = await api.req('PUT', `/v1/posts/${(await api.req('GET', `/v1/threads/${thread.id}/posts`)).body.posts[0].id}/vote`, {
    body: { value: 1 },
    headers: { 'x-parley-voter': 'voter-0123456789abcdef' },
  });
  t.same([vote.status, vote.body.error?.code], [503, 'forum_moving'], 'a vote waits and gives up alike');
  await sql(c0.url, 'DELETE FROM forum_fences WHERE forum_id = $1', [forum.id]);
  t.equal((await api.post(thread.id, { message: 'after' })).post.id.length > 0, true, 'unfenced, it takes writes again');
});

t.test('the old copy goes whole, page after page of threads (ids past 9 too)', async (t) => {
  const { db, c0, c1, sql } = await twoShards(t);
  const { api } = await testRealtimeStack(t, {}, { shared: db });
  const { forum } = await forumOnShard(api, 'many-threads', 0);
  for (let i = 0; i < 12; i++) await api.post((await api.thread('many-threads', `page-${i}`)).id, { message: `on page ${i}` });
  // a batch of 100 rows removes one thread per transaction: twelve pages, in id order
  const report = await moveForum(db, { slug: 'many-threads', to: 1, batchSize: 100, routeTtlMs: 0, relayWaitMs: 0 });
  t.same(report.copied, { threads: 12, posts: 12, votes: 0, post_flags: 0, events: 24 });
  // no worker runs here: nothing relayed the old copy's events, so it stays until they are
  t.equal(report.removed, false, 'the old copy waits for its relay');
  await sql(c0.url, `INSERT INTO relay_cursor (name, txid, event_id) VALUES ('signals:0', pg_current_xact_id(), 9223372036854775807)
    ON CONFLICT (name) DO UPDATE SET txid = EXCLUDED.txid, event_id = EXCLUDED.event_id`);
  const finished = await moveForum(db, { slug: 'many-threads', to: 1, batchSize: 100, relayWaitMs: 0 });
  t.ok(finished.removed, 'the same command run again removes it, once relayed');
  const [left] = await sql(c0.url, 'SELECT (SELECT count(*) FROM threads WHERE forum_id = $1)::int AS threads, (SELECT count(*) FROM posts WHERE forum_id = $1)::int AS posts', [forum.id]);
  t.same(left, { threads: 0, posts: 0 }, 'every thread and post left shard 0');
  const [moved] = await sql(c1.url, 'SELECT count(*)::int AS n FROM threads WHERE forum_id = $1', [forum.id]);
  t.equal(moved.n, 12);
});
