import t from 'tap';
import { linksPhase, type ModerationContext } from '@parley/domain';
import { aContext, settingsWith } from './context.ts';

const links = (n: number) => Array.from({ length: n }, (_, i) => `https://example.org/${i}`);
const known = { approvedCount: 12 };
const newcomer = { approvedCount: 0 };

t.test('given an established reader, then up to maxLinks links pass and more are held', async (t) => {
  const s = settingsWith({ links: { maxLinks: 3 } });
  t.strictSame(linksPhase.run(aContext({ ...known, links: links(3) }), s), { action: 'pass' });
  t.match(linksPhase.run(aContext({ ...known, links: links(4) }), s), { action: 'hold', reasons: [{ phase: 'links', code: 'too_many_links', detail: '4 links; at most 3' }] });
  t.match(linksPhase.run(aContext({ ...known, links: links(1) }), settingsWith({ links: { maxLinks: 0 } })), { action: 'hold' }, 'maxLinks 0 holds any link');
});

t.test('given a new commenter, then any link is held, marked as spam or allowed as the forum chooses', async (t) => {
  const ctx = (o: Partial<ModerationContext>) => aContext({ ...newcomer, links: links(1), ...o });
  t.match(linksPhase.run(ctx({}), settingsWith()), { action: 'hold', reasons: [{ code: 'new_commenter_link' }] }, 'by default, held');
  t.match(linksPhase.run(ctx({}), settingsWith({ links: { newCommenterLinks: 'spam' } })), { action: 'spam' });
  t.strictSame(linksPhase.run(ctx({}), settingsWith({ links: { newCommenterLinks: 'allow' } })), { action: 'pass' });
  t.strictSame(linksPhase.run(ctx({ links: [] }), settingsWith()), { action: 'pass' }, 'no link, nothing to hold');
  t.match(linksPhase.run(aContext({ approvedCount: 5, accountAgeMs: 0, links: links(1) }), settingsWith({ newCommenter: { minAccountAgeDays: 7 } })), { action: 'hold' }, 'a young account is new too');
});

t.test('given both rules hit, then both reasons are kept', async (t) => {
  const d = linksPhase.run(aContext({ ...newcomer, links: links(5) }), settingsWith({ links: { newCommenterLinks: 'spam' } }));
  t.match(d, { action: 'spam', reasons: [{ code: 'too_many_links' }, { code: 'new_commenter_link' }] });
});

t.test('given the phase off, then links pass', async (t) => {
  t.strictSame(linksPhase.run(aContext({ ...newcomer, links: links(9) }), settingsWith({ links: { enabled: false } })), { action: 'pass' });
});
