import t from 'tap';
import { defaultModerationSettings, threadClosedPhase } from '@parley/domain';
import { aContext } from './context.ts';

t.test('given an open thread, when a comment arrives, then it passes', async (t) => {
  t.strictSame(threadClosedPhase.run(aContext(), defaultModerationSettings), { action: 'pass' });
});

t.test('given a closed thread, when a comment arrives, then it is rejected with thread_closed', async (t) => {
  t.match(threadClosedPhase.run(aContext({ threadClosed: true }), defaultModerationSettings), {
    action: 'reject',
    code: 'thread_closed',
    reason: { phase: 'threadClosed', code: 'thread_closed' },
  });
});
