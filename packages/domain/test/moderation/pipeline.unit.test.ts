import t from 'tap';
import { defaultPhases, phaseNames, runPipeline, type Decision, type Phase, type PhaseName } from '@parley/domain';
import { aContext, settingsWith } from './context.ts';

const settings = settingsWith();
/** A phase that records that it ran and answers as told. */
function stub(name: PhaseName, decision: Decision, ran: string[]): Phase {
  return { name, run: () => (ran.push(name), decision) };
}
const reason = (phase: PhaseName, code: string) => ({ phase, code, detail: code });

t.test('the default phases run in the documented order, one of each', async (t) => {
  t.strictSame(defaultPhases.map((p) => p.name), [...phaseNames]);
});

t.test('given every phase passes, then the comment is approved with no reasons', async (t) => {
  t.strictSame(runPipeline(aContext(), settings), { status: 'approved', reasons: [] });
});

t.test('given holds in several phases, then it is pending with every reason in phase order', async (t) => {
  const ran: string[] = [];
  const out = runPipeline(aContext(), settings, [
    stub('links', { action: 'hold', reasons: [reason('links', 'a')] }, ran),
    stub('newCommenter', { action: 'pass' }, ran),
    stub('spamHeuristics', { action: 'hold', reasons: [reason('spamHeuristics', 'b'), reason('spamHeuristics', 'c')] }, ran),
  ]);
  t.strictSame(out, { status: 'pending', reasons: [reason('links', 'a'), reason('spamHeuristics', 'b'), reason('spamHeuristics', 'c')] });
  t.strictSame(ran, ['links', 'newCommenter', 'spamHeuristics'], 'holds do not stop the run');
});

t.test('given a spam mark and a hold, then spam wins and both reasons are kept', async (t) => {
  const ran: string[] = [];
  const out = runPipeline(aContext(), settings, [stub('links', { action: 'spam', reasons: [reason('links', 's')] }, ran), stub('newCommenter', { action: 'hold', reasons: [reason('newCommenter', 'h')] }, ran)]);
  t.strictSame(out, { status: 'spam', reasons: [reason('links', 's'), reason('newCommenter', 'h')] });
});

t.test('given a reject, then the run stops there, with the reasons so far and the reject code', async (t) => {
  const ran: string[] = [];
  const out = runPipeline(aContext(), settings, [
    stub('blocklist', { action: 'hold', reasons: [reason('blocklist', 'h')] }, ran),
    stub('bans', { action: 'reject', code: 'author_banned', reason: reason('bans', 'banned_user') }, ran),
    stub('spamHeuristics', { action: 'spam', reasons: [reason('spamHeuristics', 's')] }, ran),
  ]);
  t.strictSame(out, { status: 'rejected', reasons: [reason('blocklist', 'h'), reason('bans', 'banned_user')], rejectCode: 'author_banned' });
  t.strictSame(ran, ['blocklist', 'bans'], 'nothing after the reject runs');
});

t.test('given a shadow ban and a spam mark, then the comment is shadowed with every reason, and later phases still run', async (t) => {
  const ran: string[] = [];
  const out = runPipeline(aContext(), settings, [
    stub('bans', { action: 'shadow', reasons: [reason('bans', 'shadow_banned')] }, ran),
    stub('links', { action: 'spam', reasons: [reason('links', 's')] }, ran),
    stub('newCommenter', { action: 'hold', reasons: [reason('newCommenter', 'h')] }, ran),
  ]);
  t.strictSame(out, { status: 'shadowed', reasons: [reason('bans', 'shadow_banned'), reason('links', 's'), reason('newCommenter', 'h')] });
  t.strictSame(ran, ['bans', 'links', 'newCommenter']);
});

t.test('given a shadow ban and a later reject, then the reject wins (a blocked text is refused for everyone)', async (t) => {
  const out = runPipeline(aContext(), settings, [
    stub('bans', { action: 'shadow', reasons: [reason('bans', 'shadow_banned')] }, []),
    stub('blocklist', { action: 'reject', code: 'comment_blocked', reason: reason('blocklist', 'x') }, []),
  ]);
  t.match(out, { status: 'rejected', rejectCode: 'comment_blocked' });
});

t.test('given a phase masks words, then later phases see the masked text and the outcome carries it', async (t) => {
  const seen: string[] = [];
  const masker: Phase = { name: 'blocklist', run: () => ({ action: 'pass', maskedText: '**** it' }) };
  const reader: Phase = { name: 'spamHeuristics', run: (ctx) => (seen.push(ctx.text), { action: 'pass' }) };
  t.strictSame(runPipeline(aContext({ text: 'darn it' }), settings, [masker, reader]), { status: 'approved', reasons: [], maskedText: '**** it' });
  t.strictSame(seen, ['**** it']);
});

t.test('with the real phases and the defaults', async (t) => {
  t.test('given a shadow-banned account, then the real bans phase shadows the comment', async (t) => {
    const out = runPipeline(aContext({ bans: [{ kind: 'user', value: '9', expiresAt: null, reason: 'r', mode: 'shadow' }] }), settings);
    t.strictSame(out, { status: 'shadowed', reasons: [{ phase: 'bans', code: 'shadow_banned', detail: 'r' }] });
  });
  t.test('given a closed thread and a banned author, then the closed thread answers first', async (t) => {
    const out = runPipeline(aContext({ threadClosed: true, bans: [{ kind: 'user', value: '9', expiresAt: null, reason: 'r' }] }), settings);
    t.match(out, { status: 'rejected', rejectCode: 'thread_closed' });
  });
  t.test('given a first-time guest with a link, then it is pending for the link; with newCommenter on, for every reason', async (t) => {
    const guest = aContext({ author: { userId: null, email: 'g@example.org', ip: '198.51.100.1' }, accountAgeMs: null, approvedCount: 0, firstGuestEmailComment: true, text: 'Nice post, see [my site](https://g.example/) for more on this topic.', links: ['https://g.example/'] });
    const out = runPipeline(guest, settings);
    t.equal(out.status, 'pending');
    t.strictSame(out.reasons.map((r) => r.code), ['new_commenter_link']);
    t.equal(runPipeline({ ...guest, text: 'Nice post.', links: [] }, settings).status, 'approved', 'without the link it goes up');
    const strict = runPipeline(guest, settingsWith({ newCommenter: { enabled: true } }));
    t.strictSame(strict.reasons.map((r) => r.code), ['new_commenter_link', 'few_approved_comments', 'first_guest_comment']);
  });
  t.test('given a bot that filled the honeypot within a second, then it is spam', async (t) => {
    t.match(runPipeline(aContext({ honeypot: 'x', msSinceWidgetLoad: 400 }), settings), { status: 'spam', reasons: [{ code: 'honeypot' }, { code: 'too_fast' }] });
  });
  t.test('given a masked word from a known reader, then it is approved with the masked text', async (t) => {
    const s = settingsWith({ blocklist: { entries: [{ kind: 'word', term: 'darn', action: 'mask' }] } });
    t.strictSame(runPipeline(aContext({ text: 'Well, darn.' }), s), { status: 'approved', reasons: [], maskedText: 'Well, ****.' });
  });
});
