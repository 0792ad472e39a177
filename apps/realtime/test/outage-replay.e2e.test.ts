// A subscriber being replayed from the log when Postgres crashes (SIGKILL of the postmaster of
// the test's own cluster): once Postgres is back, the node finishes the replay by itself.
import t from 'tap';
import { wsClient } from '../../../test/harness/realtime.ts';
import { until } from '../../../test/harness/until.ts';
import { DELIVERY_MS, range, stack, writePosts } from './outage.ts';

t.test('a replay from the log cut short by a Postgres crash resumes by itself once it is back', async (t) => {
  const { pg, api, node } = await stack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const base: number = thread.lastSeq;
  // the node keeps the last 256 to 512 events of a thread in memory: 700 back is read from the log
  const posts = 700;
  await Promise.all(Array.from({ length: 4 }, () => writePosts(api, thread.id, posts / 4)));
  const head = base + posts;
  const warm = await wsClient(t, node.url); // the node serves the thread and has its forum cached
  t.match(await warm.subscribe(thread.id), { op: 'subscribed', seq: head });

  await pg.kill('SIGKILL');
  const behind = await wsClient(t, node.url);
  t.match(await behind.subscribe(thread.id, { after: head - posts }), { op: 'subscribed', seq: head - posts }, 'subscribed from memory; the replay needs the log');
  await until('/healthz to say the database is away', 15_000, async () => ((await node.healthz()).status === 503 ? true : undefined));
  await pg.restart();
  // nothing new is written: only the node's own repair can finish the replay
  await behind.reach(thread.id, head, DELIVERY_MS);
  t.same(behind.seqs(thread.id), range(head - posts + 1, head), 'every event once, in order');
  t.ok(node.alive());
});
