import t from 'tap';
import { newCommenterPhase } from '@parley/domain';
import { aContext, dayMs, settingsWith } from './context.ts';

t.test('given a reader with approved comments, then the comment passes', async (t) => {
  t.strictSame(newCommenterPhase.run(aContext({ approvedCount: 1 }), settingsWith({ newCommenter: { enabled: true } })), { action: 'pass' });
});

t.test('given fewer approved comments than the threshold, then the comment is held', async (t) => {
  t.match(newCommenterPhase.run(aContext({ approvedCount: 0 }), settingsWith({ newCommenter: { enabled: true } })), { action: 'hold', reasons: [{ phase: 'newCommenter', code: 'few_approved_comments' }] });
  t.match(newCommenterPhase.run(aContext({ approvedCount: 2 }), settingsWith({ newCommenter: { enabled: true, minApprovedComments: 3 } })), { action: 'hold' });
  t.strictSame(newCommenterPhase.run(aContext({ approvedCount: 0 }), settingsWith({ newCommenter: { enabled: true, minApprovedComments: 0 } })), { action: 'pass' }, 'threshold 0 trusts everyone');
});

t.test('given an account younger than the threshold, then the comment is held; guests have no account age', async (t) => {
  const s = settingsWith({ newCommenter: { enabled: true, minAccountAgeDays: 7 } });
  t.match(newCommenterPhase.run(aContext({ accountAgeMs: 6 * dayMs }), s), { action: 'hold', reasons: [{ code: 'young_account', detail: 'account is 6 days old; 7 needed' }] });
  t.strictSame(newCommenterPhase.run(aContext({ accountAgeMs: 7 * dayMs }), s), { action: 'pass' });
  t.strictSame(newCommenterPhase.run(aContext({ accountAgeMs: null }), s), { action: 'pass' });
  t.strictSame(newCommenterPhase.run(aContext({ accountAgeMs: 0 }), settingsWith({ newCommenter: { enabled: true } })), { action: 'pass' }, 'by default, age does not matter');
});

t.test('given a guest email commenting for the first time, then the comment is held unless the forum turned that off', async (t) => {
  const ctx = aContext({ author: { userId: null, email: 'new@example.org', ip: null }, accountAgeMs: null, firstGuestEmailComment: true, approvedCount: 3 });
  t.match(newCommenterPhase.run(ctx, settingsWith({ newCommenter: { enabled: true } })), { action: 'hold', reasons: [{ code: 'first_guest_comment' }] });
  t.strictSame(newCommenterPhase.run(ctx, settingsWith({ newCommenter: { enabled: true, holdFirstGuestEmail: false } })), { action: 'pass' });
});

t.test('given every rule hits, then every reason is listed', async (t) => {
  const d = newCommenterPhase.run(aContext({ approvedCount: 0, accountAgeMs: 0, firstGuestEmailComment: true }), settingsWith({ newCommenter: { enabled: true, minAccountAgeDays: 1 } }));
  t.match(d, { action: 'hold', reasons: [{ code: 'few_approved_comments' }, { code: 'young_account' }, { code: 'first_guest_comment' }] });
});

t.test('given the phase off, then newcomers pass', async (t) => {
  t.strictSame(newCommenterPhase.run(aContext({ approvedCount: 0, firstGuestEmailComment: true }), settingsWith({ newCommenter: { enabled: false } })), { action: 'pass' });
});
