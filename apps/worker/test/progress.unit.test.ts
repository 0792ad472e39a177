// Progress lines: at most one per interval, with the running count and its rate; a summary at the end.
import t from 'tap';
import { Progress } from '../src/counters/progress.ts';

t.test('a line per interval with count and rate, and a summary', async (t) => {
  let clock = 1000;
  const lines: string[] = [];
  const p = new Progress((l) => lines.push(l), 'events read', { everyMs: 1000, now: () => clock });
  p.add(100);
  clock += 500;
  p.add(400);
  t.same(lines, [], 'nothing within the first interval');
  clock += 500;
  p.add(500, '3 posts');
  t.same(lines, ['events read: 1000 (1000/s), 3 posts']);
  clock += 999;
  p.add(1);
  t.equal(lines.length, 1, 'the interval restarts at each line');
  clock += 1001;
  t.equal(p.done('done'), 1001);
  t.same(lines.at(-1), 'events read: 1001 in 3000 ms (334/s), done');
});

t.test('a summary of nothing has a rate of zero', async (t) => {
  const lines: string[] = [];
  const p = new Progress((l) => lines.push(l), 'rows', { now: () => 5 });
  t.equal(p.done(), 0);
  t.same(lines, ['rows: 0 in 0 ms (0/s)']);
});
