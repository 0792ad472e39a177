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
