// Failures retry with backoff; a job that keeps failing lands in its queue's dead-letter queue,
// where the CLI's functions list it and replay it.
import t from 'tap';
import { testApi } from '../../../test/harness/app.ts';
import { testWorker } from '../../../test/harness/worker.ts';
import { SignalRegistry } from '../src/signals/registry.ts';
import { countersHandler } from '../src/counters/handler.ts';
import { listDead, replayDead } from '../src/dead-letters.ts';

t.test('a job that fails past its retries is dead-lettered, listed and replayed', async (t) => {
  const api = await testApi(t);
  let failing = true;
  const handled: string[] = [];
  const registry = new SignalRegistry().connect(countersHandler).connect({
    name: 'enqueue-test',
    types: ['PostCreated'],
    async handle(events, ctx) {
      await ctx.boss.insert('test.flaky', events.map((e) => ({ data: { eventId: e.id } })));
    },
  });
  registry.queue<{ eventId: string }>({
    name: 'test.flaky',
    batchSize: 10,
    retryLimit: 0,
    retryDelay: 1,
    retryBackoff: true,
    async handle(jobs) {
      if (failing) throw new Error('receiver is down');
      handled.push(...jobs.map((j) => j.data.eventId));
    },
  });
  const worker = await testWorker(t, api, { registry });
  const { forum } = await api.forum();
  const th = await api.thread(forum.slug);
  await api.post(th.id);
  await worker.drain();
  const dead = await listDead(worker.runtime.boss);
  t.equal(dead.length, 1, 'one dead job');
  t.equal(dead[0].queue, 'test.flaky.dead');
  t.same(handled, []);
  failing = false;
  const r = await replayDead(worker.runtime.boss, dead[0].id);
  t.equal(r?.queue, 'test.flaky');
  await worker.drain();
  t.equal(handled.length, 1, 'the replayed job ran');
  t.same(await listDead(worker.runtime.boss), [], 'and left the dead-letter queue');
  t.equal(await replayDead(worker.runtime.boss, dead[0].id), undefined, 'replaying it twice finds nothing');
});
