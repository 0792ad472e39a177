import t from 'tap';
import { blocklistPhase, type BlocklistEntry, type ModerationContext } from '@parley/domain';
import { aContext, settingsWith } from './context.ts';

const run = (entries: BlocklistEntry[], ctx: Partial<ModerationContext>) => blocklistPhase.run(aContext(ctx), settingsWith({ blocklist: { entries } }));
const word = (term: string, action: BlocklistEntry['action'] = 'hold'): BlocklistEntry => ({ kind: 'word', term, action });
const domain = (term: string, action: BlocklistEntry['action'] = 'hold'): BlocklistEntry => ({ kind: 'domain', term, action });
const hit = (entries: BlocklistEntry[], text: string, links: string[] = []) => run(entries, { text, links }).action !== 'pass';

t.test('given a blocklisted word, then it matches whole words in any case', async (t) => {
  t.ok(hit([word('casino')], 'Visit my Casino today'), 'different case');
  t.ok(hit([word('casino')], 'CASINO!'), 'next to punctuation');
  t.notOk(hit([word('ass')], 'a classy class'), 'not inside a longer word');
  t.notOk(hit([word('casino')], 'casinos'), 'not a longer word');
  t.ok(hit([word('buy now')], 'please buy\n  now'), 'a phrase matches across any whitespace');
  t.ok(hit([word('c++')], 'I love c++ here'), 'regular-expression characters are literal');
  t.notOk(hit([word('c.t')], 'cat'), 'a dot is not a wildcard');
});

t.test('given a non-Latin or accented word, then matching is Unicode-aware', async (t) => {
  t.ok(hit([word('КАЗИНО')], 'лучшее казино тут'), 'Cyrillic, case-insensitive');
  t.notOk(hit([word('казино')], 'казинофан'), 'Cyrillic, whole words');
  t.ok(hit([word('café')], 'un CAFÉ noir'), 'accented capital');
  t.ok(hit([word('café')], 'un cafe\u0301 noir'), 'decomposed é in the text (NFC)');
  t.notOk(hit([word('cafe')], 'un café noir'), 'cafe is not café: a combining mark continues the word');
});

t.test('given a blocklisted domain, then links to it and its subdomains and bare mentions match', async (t) => {
  t.ok(hit([domain('spam.example')], 'see link', ['https://spam.example/x']), 'link to the domain');
  t.ok(hit([domain('spam.example')], 'see link', ['http://WWW.Spam.Example:8080/x']), 'link to a subdomain, any case, with a port');
  t.notOk(hit([domain('spam.example')], 'see link', ['https://notspam.example/']), 'a longer name is another domain');
  t.notOk(hit([domain('spam.example')], 'see link', ['not a url']), 'an unparsable href is ignored');
  t.ok(hit([domain('spam.example')], 'go to www.spam.example.'), 'a bare mention at the end of a sentence');
  t.notOk(hit([domain('spam.example')], 'go to spam.example.org'), 'a mention of a longer name');
  t.notOk(hit([domain('spam.example')], 'go to notspam.example'), 'a mention of another name');
});

t.test('given entries with actions, then each acts as it says', async (t) => {
  t.match(run([word('casino', 'hold')], { text: 'casino' }), { action: 'hold', reasons: [{ phase: 'blocklist', code: 'blocklisted_word' }] });
  t.match(run([domain('spam.example', 'spam')], { text: 'spam.example' }), { action: 'spam', reasons: [{ code: 'blocklisted_domain' }] });
  t.match(run([word('casino', 'reject')], { text: 'casino' }), { action: 'reject', code: 'comment_blocked' });
});

t.test('given several hits, then a reject wins, spam outranks hold and every hit is a reason', async (t) => {
  t.match(run([word('a1', 'hold'), word('b2', 'reject')], { text: 'a1 b2' }), { action: 'reject' });
  const d = run([word('a1', 'hold'), word('b2', 'spam'), word('c3')], { text: 'a1 b2' });
  t.equal(d.action, 'spam');
  t.equal(d.action === 'spam' ? d.reasons.length : 0, 2, 'two hits, two reasons');
});

t.test('given a mask entry, then the word is replaced by asterisks everywhere and the comment passes', async (t) => {
  t.strictSame(run([word('darn', 'mask')], { text: 'Darn it, darn it all. darning' }), { action: 'pass', maskedText: '**** it, **** it all. darning' });
  t.strictSame(run([word('dang it', 'mask'), word('heck', 'mask')], { text: 'dang  it, heck' }), { action: 'pass', maskedText: '****  **, ****' }, 'phrases keep their spaces; masks add up');
  t.match(run([word('darn', 'mask'), word('casino', 'hold')], { text: 'darn casino' }), { action: 'hold', maskedText: '**** casino' }, 'a mask travels with a hold');
});

t.test('given no entries, no hit, or the phase off, then the comment passes', async (t) => {
  t.strictSame(run([], { text: 'casino' }), { action: 'pass' });
  t.strictSame(run([word('casino')], { text: 'a calm comment' }), { action: 'pass' });
  t.strictSame(blocklistPhase.run(aContext({ text: 'casino' }), settingsWith({ blocklist: { enabled: false, entries: [word('casino', 'reject')] } })), { action: 'pass' });
});

t.test('given the same settings object for many comments, then each comment gets the same answer', async (t) => {
  // the patterns are cached per entry: a stateful (global) pattern would miss every other time
  const s = settingsWith({ blocklist: { entries: [word('casino'), domain('spam.example')] } });
  for (let i = 0; i < 3; i++) {
    t.equal(blocklistPhase.run(aContext({ text: 'casino' }), s).action, 'hold', `word, run ${i + 1}`);
    t.equal(blocklistPhase.run(aContext({ text: 'at spam.example' }), s).action, 'hold', `domain, run ${i + 1}`);
  }
});

t.test('given a long list, then the one-pattern screen finds what the entries find, and only that', async (t) => {
  const many = [...Array.from({ length: 300 }, (_, i) => word(`term${i}`)), ...Array.from({ length: 200 }, (_, i) => domain(`spam${i}.example`))];
  t.notOk(hit(many, 'An ordinary comment about term and spam.', ['https://news.example/a']), 'a clean comment passes');
  t.match(run(many, { text: 'see TERM249 here', links: [] }), { action: 'hold', reasons: [{ detail: 'word "term249" (hold)' }] }, 'an entry late in the list');
  t.match(run(many, { text: 'see [this](https://www.cdn.spam199.example/x)', links: ['https://www.cdn.spam199.example/x'] }), { action: 'hold', reasons: [{ code: 'blocklisted_domain' }] }, "a listed domain's subdomain in a link's host, though the text does not name it as a mention");
  t.notOk(hit(many, 'term2490 and xspam1.example.org'.replace('xspam', 'notspam'), ['https://spam1.example.org/']), 'longer words and other domains are not hits');
});
