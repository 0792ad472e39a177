import t from 'tap';
import { characterTricks } from '@parley/domain';

t.test('given ordinary writing in any one script, then no trick is found', async (t) => {
  for (const text of [
    'A plain English comment, with punctuation!',
    'Ein schöner Beitrag über Straßen.',
    'Привет, как дела?',
    'Καλημέρα σε όλους',
    '日本語のコメントです',
    'Mixed languages in one comment: hello and привет are separate words.',
    'A family emoji 👨\u200D👩\u200D👧 joins with zero-width joiners.',
    'می\u200Cخواهم (Persian uses a zero-width non-joiner)',
    'π is a Greek letter next to a Latin sentence.',
  ]) {
    t.strictSame(characterTricks(text), [], JSON.stringify(text));
  }
});

t.test('given a zero-width character hidden inside a Latin word, then it is found', async (t) => {
  t.strictSame(characterTricks('buy vi\u200Bagra'), ['zero_width']);
  t.strictSame(characterTricks('c\u00ADa\u2060s\uFEFFino'), ['zero_width']);
});

t.test('given a word mixing Latin with Cyrillic or Greek letters, then it is found', async (t) => {
  t.strictSame(characterTricks('log in to p\u0430ypal now'), ['mixed_scripts'], 'Cyrillic а in a Latin word');
  t.strictSame(characterTricks('fr\u03BFe money'), ['mixed_scripts'], 'Greek omicron in a Latin word');
});

t.test('given three or more styled letters, then they are found; one or two pass', async (t) => {
  t.strictSame(characterTricks('\u{1D41F}\u{1D42B}\u{1D41E}\u{1D41E} money'), ['styled_letters'], 'mathematical bold');
  t.strictSame(characterTricks('ｆｒｅｅ money'), ['styled_letters'], 'full-width');
  t.strictSame(characterTricks('ⓕⓡⓔⓔ money'), ['styled_letters'], 'circled');
  t.strictSame(characterTricks('the set ℝ and 𝔸'), [], 'a stray mathematical letter');
});

t.test('given several tricks, then each is listed once', async (t) => {
  t.strictSame(characterTricks('vi\u200Bagra p\u0430ypal \u0440\u0430y ｆｒｅｅ'), ['zero_width', 'mixed_scripts', 'styled_letters']);
});
