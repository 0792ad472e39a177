// Protocol 1 end to end in the embedded layout (API + realtime on one port, Postgres NOTIFY):
// subscribe, live delivery, order, resume, visibility.
import t from 'tap';
import { testRealtimeStack, wsClient } from '../../../test/harness/realtime.ts';

t.test('a subscriber receives a post written through the API, in the read API\'s shape', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const c = await wsClient(t, wsUrl);
  t.match(await c.subscribe(thread.id, { after: thread.lastSeq }), { op: 'subscribed', threadId: thread.id, seq: thread.lastSeq });
  const { post } = await api.post(thread.id, { message: 'hello *realtime*' });
  const f = await c.next((f) => f.op === 'events');
  t.equal(f.threadId, thread.id);
  t.equal(f.events.length, 1);
  t.match(f.events[0], { seq: thread.lastSeq + 1, type: 'PostCreated' });
  t.same(f.events[0].post, post, 'the post as the read API returns it');
});

/** True when seqs run from..to with no gap and no repeat. */
const consecutive = (seqs: number[], from: number, to: number) => seqs.length === to - from + 1 && seqs.every((s, i) => s === from + i);

t.test('concurrent writes arrive in sequence order, each once, and edits and votes follow', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const a = await wsClient(t, wsUrl);
  const b = await wsClient(t, wsUrl);
  await a.subscribe(thread.id, { after: thread.lastSeq });
  await b.subscribe(thread.id);
  const made = await Promise.all(Array.from({ length: 40 }, (_, i) => api.post(thread.id, { message: `burst ${i}` })));
  const edit = await api.req('PATCH', `/v1/posts/${made[0].post.id}`, { token: made[0].editToken, body: { message: 'edited' } });
  t.equal(edit.status, 200);
  const vote = await api.req('PUT', `/v1/posts/${made[1].post.id}/vote`, { headers: { 'x-parley-voter': 'voter-key-0123456789' }, body: { value: 1 } });
  t.equal(vote.status, 200);
  const last = thread.lastSeq + 42;
  await a.reach(thread.id, last);
  await b.reach(thread.id, last);
  t.ok(consecutive(a.seqs(thread.id), thread.lastSeq + 1, last), 'a: every seq once, in order');
  t.ok(consecutive(b.seqs(thread.id), thread.lastSeq + 1, last), 'b: every seq once, in order');
  const events = a.frames.filter((f) => f.op === 'events').flatMap((f) => f.events);
  t.match(events.at(-2), { type: 'PostEdited', post: { id: made[0].post.id, html: '<p>edited</p>', revision: 2 } });
  t.match(events.at(-1), { type: 'VoteCast', post: { id: made[1].post.id, score: 1 } });
  t.notOk('value' in events.at(-1), "the public doesn't see who voted what");
});

t.test('a burst on one thread is coalesced into fewer frames, still in order', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t, { realtimeCoalesceMs: 100 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const c = await wsClient(t, wsUrl);
  await c.subscribe(thread.id, { after: thread.lastSeq });
  for (let i = 0; i < 30; i++) await api.post(thread.id, { message: `hot ${i}` });
  await c.reach(thread.id, thread.lastSeq + 30);
  const frames = c.frames.filter((f) => f.op === 'events');
  t.ok(consecutive(c.seqs(thread.id), thread.lastSeq + 1, thread.lastSeq + 30), 'in order, once each');
  t.ok(frames.length < 30, `30 events came in ${frames.length} frames`);
  t.ok(frames.some((f) => f.events.length > 1), 'some frames carry several events');
  t.equal(frames[0].events.length, 1, 'the first event after a quiet spell is not held back');
});

t.test('resume: after a disconnect, subscribing with after=N replays exactly the missed events, then continues live', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const first = await wsClient(t, wsUrl);
  await first.subscribe(thread.id, { after: thread.lastSeq });
  for (let i = 0; i < 3; i++) await api.post(thread.id);
  await first.reach(thread.id, thread.lastSeq + 3);
  const seen = first.seqs(thread.id).at(-1)!;
  first.close();
  await first.closed;
  for (let i = 0; i < 5; i++) await api.post(thread.id);

  const again = await wsClient(t, wsUrl);
  t.match(await again.subscribe(thread.id, { after: seen }), { op: 'subscribed', seq: seen });
  await again.reach(thread.id, seen + 5);
  // writes racing the replay must land after it, not inside it or twice
  const live = Promise.all(Array.from({ length: 5 }, () => api.post(thread.id)));
  await live;
  await again.reach(thread.id, seen + 10);
  t.ok(consecutive(again.seqs(thread.id), seen + 1, seen + 10), 'missed events, then live, each once');
});

t.test('a resume further back than the ring replays from the log in order', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const watcher = await wsClient(t, wsUrl); // keeps the hub (and its ring) alive
  await watcher.subscribe(thread.id);
  for (let i = 0; i < 600; i += 50) await Promise.all(Array.from({ length: 50 }, () => api.post(thread.id)));
  await watcher.reach(thread.id, thread.lastSeq + 600, 15000);
  const late = await wsClient(t, wsUrl);
  await late.subscribe(thread.id, { after: 0 });
  await late.reach(thread.id, thread.lastSeq + 600, 15000);
  t.ok(consecutive(late.seqs(thread.id), 1, thread.lastSeq + 600), '601 events from seq 1, once each');
  t.ok(late.frames.filter((f) => f.op === 'events').every((f) => f.events.length <= 200), 'at most 200 events per frame');
});

for (const drop of ['every other publish', 'every publish'] as const) {
  t.test(`repair: with ${drop} lost, every event still arrives, in order`, async (t) => {
    let n = 0;
    const { api, wsUrl } = await testRealtimeStack(t, {}, { publisher: { drop: () => drop === 'every publish' || n++ % 2 === 0 } });
    const { forum } = await api.forum();
    const thread = await api.thread(forum.slug);
    const c = await wsClient(t, wsUrl);
    await c.subscribe(thread.id, { after: thread.lastSeq });
    for (let i = 0; i < 10; i++) await api.post(thread.id);
    await c.reach(thread.id, thread.lastSeq + 10);
    t.ok(consecutive(c.seqs(thread.id), thread.lastSeq + 1, thread.lastSeq + 10), 'no gap, no repeat');
    t.ok(api.app.publisher.stats.dropped >= 5, `${api.app.publisher.stats.dropped} publishes were dropped`);
  });
}

t.test('visibility: pending posts reach moderators in full and everyone else as hidden; approval and deletion follow', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const thread = await api.thread(forum.slug);
  const pub = await wsClient(t, wsUrl);
  const mod = await wsClient(t, wsUrl);
  await pub.subscribe(thread.id, { after: thread.lastSeq });
  t.match(await mod.subscribe(thread.id, { after: thread.lastSeq, key: moderatorKey }), { op: 'subscribed', moderator: true });
  const { post } = await api.post(thread.id, { message: 'needs a look' });
  t.equal(post.status, 'pending');
  await api.req('POST', `/v1/posts/${post.id}/approve`, { token: moderatorKey });
  await api.req('POST', `/v1/posts/${post.id}/delete`, { token: moderatorKey });
  const s = thread.lastSeq;
  await pub.reach(thread.id, s + 3);
  await mod.reach(thread.id, s + 3);
  const pe = pub.frames.filter((f) => f.op === 'events').flatMap((f) => f.events);
  const me = mod.frames.filter((f) => f.op === 'events').flatMap((f) => f.events);
  t.same(pe[0], { seq: s + 1, type: 'hidden', postId: post.id }, 'the public sees only that something was hidden');
  t.match(me[0], { seq: s + 1, type: 'PostCreated', post: { id: post.id, status: 'pending', html: '<p>needs a look</p>' } });
  t.match(pe[1], { seq: s + 2, post: { id: post.id, status: 'approved' } }, 'approval shows the post');
  t.match(pe[2], { seq: s + 3, post: { id: post.id, status: 'deleted', tombstone: true, author: null, html: '' } }, 'deletion reaches the public as a tombstone');
  t.notOk(JSON.stringify(pe[0]).includes('needs a look'));
});

t.test('shutdown tells clients to reconnect (1012); one that resumes with its last seq misses nothing', async (t) => {
  const { api, realtime, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const c = await wsClient(t, wsUrl);
  await c.subscribe(thread.id, { after: thread.lastSeq });
  await api.post(thread.id);
  await c.reach(thread.id, thread.lastSeq + 1);
  await realtime.close();
  t.equal((await c.closed).code, 1012);
  for (let i = 0; i < 3; i++) await api.post(thread.id);
  // "another node": a second realtime tier on a second server, same database
  const other = await testRealtimeStack(t, {}, { shared: api.db });
  const again = await wsClient(t, other.wsUrl);
  await again.subscribe(thread.id, { after: c.seqs(thread.id).at(-1) });
  await again.reach(thread.id, thread.lastSeq + 4);
  t.same(again.seqs(thread.id), [thread.lastSeq + 2, thread.lastSeq + 3, thread.lastSeq + 4]);
});
