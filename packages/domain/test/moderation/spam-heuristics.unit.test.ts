import t from 'tap';
import { minRepeatedTextLength, spamHeuristicsPhase, type ModerationContext, type ModerationSettings } from '@parley/domain';
import { aContext, settingsWith } from './context.ts';

const run = (ctx: Partial<ModerationContext>, s: ModerationSettings = settingsWith()) => spamHeuristicsPhase.run(aContext(ctx), s);
const codes = (d: ReturnType<typeof run>) => (d.action === 'hold' || d.action === 'spam' ? d.reasons.map((r) => r.code) : []);

t.test('given an ordinary comment, then it passes', async (t) => {
  t.strictSame(run({}), { action: 'pass' });
  t.strictSame(run({ honeypot: null, msSinceWidgetLoad: null }), { action: 'pass' }, 'an API client sends neither signal');
});

t.test('given the honeypot filled, then it is spam', async (t) => {
  t.match(run({ honeypot: 'http://bot.example' }), { action: 'spam', reasons: [{ phase: 'spamHeuristics', code: 'honeypot' }] });
  t.match(run({ honeypot: ' ' }), { action: 'spam' }, 'even with a space');
  t.strictSame(run({ honeypot: 'x' }, settingsWith({ spamHeuristics: { honeypot: false } })), { action: 'pass' }, 'unless turned off');
});

t.test('given a post sooner after the widget loaded than the minimum, then it is spam', async (t) => {
  t.match(run({ msSinceWidgetLoad: 2999 }), { action: 'spam', reasons: [{ code: 'too_fast' }] });
  t.strictSame(run({ msSinceWidgetLoad: 3000 }), { action: 'pass' });
  t.match(run({ msSinceWidgetLoad: -5 }), { action: 'spam' }, 'a negative time is not a person');
  t.strictSame(run({ msSinceWidgetLoad: 10 }, settingsWith({ spamHeuristics: { minMsAfterWidgetLoad: 0 } })), { action: 'pass' }, '0 turns it off');
});

t.test('given the same text posted across threads, then the copy that reaches the threshold is spam', async (t) => {
  const text = 'Great article! Check out my profile for more.';
  t.strictSame(run({ text, recentTexts: [text] }), { action: 'pass' }, 'two copies of three');
  t.match(run({ text, recentTexts: [text, 'something else', text] }), { action: 'spam', reasons: [{ code: 'repeated_text', detail: 'the same text 3 times across threads' }] });
  t.match(run({ text, recentTexts: ['  GREAT article!\n check out my profile for more.', `Great\u200B article! Check out my profile for more.`] }), { action: 'spam' }, 'case, spacing and zero-width characters do not make a new text');
  t.strictSame(run({ text: 'Thanks!', recentTexts: Array(9).fill('Thanks!') }), { action: 'pass' }, `texts under ${minRepeatedTextLength} characters are what people repeat`);
  t.strictSame(run({ text, recentTexts: [text, text] }, settingsWith({ spamHeuristics: { repeatedTextCount: 0 } })), { action: 'pass' }, '0 turns it off');
});

t.test('given many links for few words, then it is held', async (t) => {
  const links = ['https://a.example/', 'https://b.example/'];
  t.match(run({ text: 'see [a](https://a.example/) [b](https://b.example/)', links }), { action: 'hold', reasons: [{ code: 'link_density' }] });
  t.strictSame(run({ text: `${'word '.repeat(20)} [a](https://a.example/) and [b](https://b.example/)`, links }), { action: 'pass' }, 'enough words around them');
  t.strictSame(run({ text: '[a](https://a.example/)', links: links.slice(0, 1) }), { action: 'pass' }, 'one link alone is not dense');
  t.strictSame(run({ text: 'x', links }, settingsWith({ spamHeuristics: { maxLinksPer100Words: 0 } })), { action: 'pass' }, '0 turns it off');
});

t.test('given character tricks, then it is held with each trick as a reason', async (t) => {
  t.match(run({ text: 'buy vi\u200Bagra at p\u0430ypal' }), { action: 'hold', reasons: [{ code: 'zero_width' }, { code: 'mixed_scripts' }] });
  t.strictSame(run({ text: 'buy vi\u200Bagra' }, settingsWith({ spamHeuristics: { characterTricks: false } })), { action: 'pass' });
});

t.test('given signals of both kinds, then it is spam with every reason', async (t) => {
  t.strictSame(codes(run({ honeypot: 'x', msSinceWidgetLoad: 10, text: 'p\u0430ypal' })), ['honeypot', 'too_fast', 'mixed_scripts']);
  t.equal(run({ honeypot: 'x', text: 'p\u0430ypal' }).action, 'spam');
});

t.test('given the phase off, then nothing is checked', async (t) => {
  t.strictSame(run({ honeypot: 'x', msSinceWidgetLoad: 1 }, settingsWith({ spamHeuristics: { enabled: false } })), { action: 'pass' });
});
