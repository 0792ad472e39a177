// The event log matches the writes one to one, with gap-free thread sequences, and shows each
// viewer only what it may see.
import t from 'tap';
import { loggedEventFromRow } from '@parley/data';
import { testApi } from '../../../test/harness/app.ts';

t.test('one event per write, gap-free, snapshots are the returned rows', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const threads = [await api.thread(forum.slug), await api.thread(forum.slug)];
  const writes: Record<string, string[]> = { [threads[0].id]: ['ThreadCreated'], [threads[1].id]: ['ThreadCreated'] };
  const posts: string[] = [];
  // concurrent writes across two threads
  await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const th = threads[i % 2];
      const { post } = await api.post(th.id, { message: `c${i}` });
      posts.push(post.id);
      writes[th.id].push('PostCreated');
      const v = await api.req('PUT', `/v1/posts/${post.id}/vote`, { headers: { 'x-parley-voter': `voter-${i}-xxxxxxxxxxxx` }, body: { value: 1 } });
      if (v.status === 200) writes[th.id].push('VoteCast');
      const m = await api.req('POST', `/v1/posts/${post.id}/spam`, { token: moderatorKey });
      if (m.status === 200) writes[th.id].push('PostMarkedSpam');
    }),
  );
  for (const th of threads) {
    const { rows } = await api.db.exec({ ...(await api.content({ threadId: th.id })), mode: 'read' }, 'SELECT * FROM events WHERE thread_id = $1 ORDER BY seq', [th.id]);
    t.same(rows.map((r) => Number(r.seq)), rows.map((_, i) => i + 1), 'sequence 1..n, no gaps');
    t.same(rows.map((r) => r.type).sort(), writes[th.id].sort(), 'exactly the writes that answered 2xx');
    const { rows: [thread] } = await api.db.exec({ ...(await api.content({ threadId: th.id })), mode: 'read' }, 'SELECT last_seq FROM threads WHERE id = $1', [th.id]);
    t.equal(Number(thread.last_seq), rows.length, "the thread's counter matches its log");
    for (const r of rows.filter((r) => r.type === 'PostMarkedSpam')) {
      const ev = loggedEventFromRow(r).event;
      const { rows: [post] } = await api.db.exec({ ...(await api.content({ threadId: th.id })), mode: 'read' }, 'SELECT status, score FROM posts WHERE id = $1', [r.post_id]);
      t.match(ev.snapshot, { id: r.post_id, status: 'spam', score: post.score }, 'the snapshot is the row as the write returned it');
    }
  }
});

t.test('the events API: in order, bounded, hidden events keep their sequence', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const thread = await api.thread(forum.slug);
  const a = (await api.post(thread.id, { message: 'a' })).post; // seq 2, pending
  await api.req('POST', `/v1/posts/${a.id}/approve`, { token: moderatorKey }); // 3
  const b = (await api.post(thread.id, { message: 'secret spam' })).post; // 4, pending
  await api.req('POST', `/v1/posts/${b.id}/spam`, { token: moderatorKey }); // 5
  await api.req('PUT', `/v1/posts/${a.id}/vote`, { headers: { 'x-parley-voter': 'voter-aaaaaaaaaaaaaa' }, body: { value: 1 } }); // 6
  await api.req('POST', `/v1/posts/${a.id}/delete`, { token: moderatorKey }); // 7

  const pub = await api.req('GET', `/v1/threads/${thread.id}/events`);
  t.same(pub.body.events.map((e: any) => [e.seq, e.type]), [
    [1, 'ThreadCreated'], [2, 'hidden'], [3, 'PostApproved'], [4, 'hidden'], [5, 'hidden'], [6, 'VoteCast'], [7, 'PostDeleted'],
  ]);
  t.same(pub.body.events[1], { seq: 2, type: 'hidden', postId: a.id }, 'a hidden event has no post');
  t.notOk(JSON.stringify(pub.body).includes('secret spam'));
  t.same(pub.body.events[6].post.tombstone, true, 'a deletion reaches the public as a tombstone');
  t.equal(pub.body.events[5].post.score, 1);
  t.equal(pub.body.events[5].value, undefined, 'who voted how is not public');
  t.equal(pub.body.nextAfter, 7);

  const mod = await api.req('GET', `/v1/threads/${thread.id}/events`, { token: moderatorKey });
  t.same(mod.body.events.map((e: any) => e.type), ['ThreadCreated', 'PostCreated', 'PostApproved', 'PostCreated', 'PostMarkedSpam', 'VoteCast', 'PostDeleted']);
  t.equal(mod.body.events[3].post.html, '<p>secret spam</p>');

  const page = await api.req('GET', `/v1/threads/${thread.id}/events?after=2&limit=2`);
  t.same(page.body.events.map((e: any) => e.seq), [3, 4]);
  t.equal(page.body.nextAfter, 4);
  const end = await api.req('GET', `/v1/threads/${thread.id}/events?after=7`);
  t.same(end.body, { events: [], nextAfter: 7 });
  const tooMany = await api.req('GET', `/v1/threads/${thread.id}/events?limit=5000`);
  t.same([tooMany.status, tooMany.body.error.code], [400, 'invalid_limit']);
  const negative = await api.req('GET', `/v1/threads/${thread.id}/events?after=-1`);
  t.equal(negative.status, 400);
});
