// What a user may set on their profile: a one-line display name of 1 to 64 characters, an
// absolute http(s) avatar URL without credentials; null clears either.
import t from 'tap';
import { checkAvatarUrl, checkDisplayName, ParleyError } from '../src/index.ts';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return (err as ParleyError).code;
  }
};

t.test('display names', async (t) => {
  t.equal(checkDisplayName('  Ada Lovelace  '), 'Ada Lovelace');
  t.equal(checkDisplayName(null), null);
  t.equal(checkDisplayName('😀'.repeat(64)), '😀'.repeat(64), '64 characters, not UTF-16 units');
  for (const bad of ['', '   ', 'a\nb', 'a\u0000b', 'a\u2028b', 'a\u0085b', 'x'.repeat(65)]) t.equal(code(() => checkDisplayName(bad)), 'invalid_display_name', escape(bad).slice(0, 30));
});

t.test('avatar URLs', async (t) => {
  t.equal(checkAvatarUrl('https://example.com/a.png?s=64'), 'https://example.com/a.png?s=64');
  t.equal(checkAvatarUrl('http://example.com/a.png'), 'http://example.com/a.png');
  t.equal(checkAvatarUrl(null), null);
  for (const bad of ['javascript:alert(1)', 'data:image/png;base64,AAAA', 'ftp://example.com/a', '//example.com/a', 'a.png', 'https://u:p@example.com/a', 'https://example.com/a b', `https://example.com/${'a'.repeat(2048)}`]) {
    t.equal(code(() => checkAvatarUrl(bad)), 'invalid_avatar_url', bad.slice(0, 30));
  }
});
