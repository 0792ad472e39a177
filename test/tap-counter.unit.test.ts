import t from 'tap';
import { TapCounter } from './harness/tap-counter.ts';

const count = (tap: string, exitCode = 0) => {
  const c = new TapCounter();
  for (const line of tap.split('\n')) c.line(line);
  c.finish(exitCode);
  return { passed: c.passed, failed: c.failed };
};

t.test('subtest summaries are not leaves', async (t) => {
  const tap = [
    'TAP version 14',
    '# Subtest: a.test.ts',
    '    # Subtest: inner',
    '        ok 1 - one',
    '        ok 2 - two',
    '        1..2',
    '    ok 1 - inner # time=3ms',
    '    ok 2 - three',
    '    1..2',
    'ok 1 - a.test.ts # time=10ms',
    '1..1',
  ].join('\n');
  t.same(count(tap), { passed: 3, failed: 0 });
});

t.test('leaf failures are counted once, not again at each summary', async (t) => {
  const tap = ['# Subtest: a', '    not ok 1 - bad', '    ok 2 - good', '    1..2', 'not ok 1 - a', '1..1'].join('\n');
  t.same(count(tap, 1), { passed: 1, failed: 1 });
});

t.test('a failing file with no failing leaf counts as one failure', async (t) => {
  const tap = ['# Subtest: crash.test.ts', '    1..0', 'not ok 1 - crash.test.ts # exit code 1', '1..1'].join('\n');
  t.same(count(tap, 1), { passed: 0, failed: 1 });
});

t.test('buffered subtests', async (t) => {
  const tap = ['ok 1 - a {', '    ok 1 - x', '    ok 2 - y', '    1..2', '}', 'not ok 2 - b {', '    1..0', '}'].join('\n');
  t.same(count(tap, 1), { passed: 2, failed: 1 });
});

t.test('skip and todo count as neither; a silent non-zero exit fails', async (t) => {
  t.same(count('ok 1 - s # SKIP no redis\nnot ok 2 - later # TODO\n'), { passed: 0, failed: 0 });
  t.same(count('ok 1 - fine\n', 3), { passed: 1, failed: 1 });
});

t.test('each failure is named by its path, so the end of a long log says which', async (t) => {
  const c = new TapCounter();
  const tap = [
    '# Subtest: apps/api/test/a.int.test.ts',
    '    # Subtest: holds a first comment',
    '        ok 1 - fine',
    '        not ok 2 - held # time=3ms',
    '        1..2',
    '    not ok 1 - holds a first comment',
    '    1..1',
    'not ok 1 - apps/api/test/a.int.test.ts',
    '# Subtest: b.test.ts',
    '    1..0',
    'not ok 2 - b.test.ts # exit code 1',
    '1..2',
  ].join('\n');
  for (const line of tap.split('\n')) c.line(line);
  t.same(c.failures, ['apps/api/test/a.int.test.ts > holds a first comment > held', 'b.test.ts']);
});
