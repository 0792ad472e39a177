// One short chaos round (reliability/lib/chaos-run.ts) as a test: the whole stack as real
// processes under comment writes with a realtime subscriber; the API, the worker, the realtime
// node, Postgres and Redis each SIGKILLed once and restarted. Nothing acknowledged may be lost,
// no thread's log may have a gap, the subscriber must have seen every event once and in order
// across its resumes, every counter must equal the truth after the drain, and no process may die
// that was not the one killed.
import t from 'tap';
import { defaultChaosOptions, detailLines, runChaos, summaryLine } from '../lib/chaos-run.ts';

t.test('a chaos round: each process killed once, nothing lost', async (t) => {
  const lines: string[] = [];
  const result = await runChaos({
    ...defaultChaosOptions,
    seconds: 0, // one round: one kill per process
    downMs: 500,
    settleMs: 2500,
    rate: 30,
    drainSeconds: 30,
    log: (line) => lines.push(line),
  });
  t.comment(summaryLine(result));
  for (const l of detailLines(result)) t.comment(l);
  t.same(result.kills, { api: 1, worker: 1, realtime: 1, postgres: 1, redis: 1 }, 'each process was killed once');
  t.ok(result.presence.acknowledged > 0, 'comments were acknowledged under the kills');
  t.equal(result.presence.lost, 0, 'no acknowledged comment is lost');
  t.equal(result.presence.mismatched, 0, 'every acknowledged id holds its own message');
  t.equal(result.gaps, 0, 'every thread log is gap-free (SQL and GET /v1/threads/:id/events)');
  t.equal(result.subscriber.missing, 0, 'the subscriber reached every thread head');
  t.equal(result.subscriber.outOfOrder, 0, 'the subscriber saw no event out of order');
  t.equal(result.subscriber.duplicates, 0, 'the subscriber saw no event twice');
  t.equal(result.subscriber.typeMismatches, 0, 'the subscriber saw the events the log holds');
  t.equal(result.counters.state, 0, 'counters equal the posts after the drain');
  t.equal(result.counters.log, 0, 'counters equal the event log after the drain (counters:rebuild)');
  t.same(result.unhealthy, [], 'the stack was healthy again after every restart');
  t.same(result.deaths.map((d) => `${d.service} after the kill of ${d.afterKillOf}: ${d.error}`), [], 'no process died that was not the one killed');
});
