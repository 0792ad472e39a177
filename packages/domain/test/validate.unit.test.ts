import t from 'tap';
import {
  defaultModerationSettings,
  checkEmail,
  checkGuestAuthor,
  checkId,
  checkMessage,
  checkPassword,
  checkSlug,
  checkUsername,
  defaultForumSettings,
  mergeSettings,
  type ForumSettings,
} from '@parley/domain';
import { throwsCode } from './assert-code.ts';

t.test('slugs', async (t) => {
  for (const slug of ['ab', 'my-blog', 'site-2025', '0-9', 'a'.repeat(64)]) {
    t.equal(checkSlug(slug), slug, `accepts ${JSON.stringify(slug)}`);
  }
  const bad: [string, string][] = [
    ['', 'empty'],
    ['a', 'one character'],
    ['a'.repeat(65), '65 characters'],
    ['My-Blog', 'uppercase'],
    ['my_blog', 'underscore'],
    ['my blog', 'space'],
    ['my.blog', 'dot'],
    ['café', 'unicode letter'],
    ['ｍｙ', 'full-width letters'],
    ['ab\n', 'trailing newline'],
    ['../x', 'path characters'],
  ];
  for (const [slug, why] of bad) throwsCode(t, () => checkSlug(slug), 'invalid_slug', `rejects ${why}`);
  const err = throwsCode(t, () => checkSlug('Nope'), 'invalid_slug');
  t.strictSame(err?.details, { slug: 'Nope' }, 'the offending slug is in details');
});

t.test('ids are decimal bigints from 1 to 2^63 - 1', async (t) => {
  for (const id of ['1', '42', '9223372036854775807', '1000000000000000000']) t.equal(checkId(id), id, `accepts ${id}`);
  const bad: [string, string][] = [
    ['0', 'zero'],
    ['007', 'leading zero'],
    ['', 'empty'],
    ['-1', 'negative'],
    ['1.0', 'decimal point'],
    ['1e3', 'exponent'],
    ['12a', 'letters'],
    ['abc', 'only letters'],
    [' 1', 'leading space'],
    ['9223372036854775808', 'one past the bigint max'],
    ['9999999999999999999', '19 nines'],
    ['10000000000000000000', '20 digits'],
    ['٣', 'non-ASCII digit'],
  ];
  for (const [id, why] of bad) throwsCode(t, () => checkId(id), 'invalid_id', `rejects ${why}`);
  const err = throwsCode(t, () => checkId('x'.repeat(100), 'thread id'), 'invalid_id');
  t.match(err?.message, /^The thread id "x{40}" is not a valid id\.$/, 'the message names what and truncates the input');
});

t.test('messages', async (t) => {
  throwsCode(t, () => checkMessage('', 10), 'message_empty', 'given an empty message');
  throwsCode(t, () => checkMessage('   \n\t  ', 10), 'message_empty', 'given only whitespace');
  throwsCode(t, () => checkMessage('\u00a0\u2003\u3000', 10), 'message_empty', 'given only unicode spaces');
  t.equal(checkMessage('a'.repeat(10), 10), 'a'.repeat(10), 'exactly the maximum is accepted');
  const err = throwsCode(t, () => checkMessage('a'.repeat(11), 10), 'message_too_long', 'one over the maximum');
  t.strictSame(err?.details, { length: 11, maxLength: 10 });
  t.match(err?.message, /11 characters.*limit is 10/);
  t.equal(checkMessage('  padded  ', 10), '  padded  ', 'the message comes back unchanged');

  // astral characters (surrogate pairs in UTF-16) count as one character each
  const emoji = '😀'.repeat(10);
  t.equal(emoji.length, 20, 'sanity: 10 emoji are 20 UTF-16 units');
  t.equal(checkMessage(emoji, 10), emoji, 'ten emoji fit a limit of ten');
  const over = throwsCode(t, () => checkMessage('😀'.repeat(11), 10), 'message_too_long', 'eleven emoji do not');
  t.equal(over?.details?.length, 11, 'the reported length counts code points');
  t.equal(checkMessage('𝕏'.repeat(3) + 'abc', 6), '𝕏𝕏𝕏abc', 'mixed astral and BMP');
});

t.test('emails', async (t) => {
  const good = ['a@b.co', 'first.last+tag@sub.example.org', 'x_y-z@example-mail.com', 'a@xn--bcher-kva.example'];
  for (const e of good) t.equal(checkEmail(e), e, `accepts ${e}`);
  const at = '@example.com';
  const max = 'a'.repeat(254 - at.length) + at;
  t.equal(checkEmail(max), max, 'accepts 254 characters');
  const bad: [string, string][] = [
    ['', 'empty'],
    ['plainaddress', 'no @'],
    ['a b@example.com', 'space in the local part'],
    ['a@exa mple.com', 'space in the domain'],
    [' a@example.com', 'leading space'],
    ['a@b@example.com', 'two @'],
    ['a@@example.com', 'doubled @'],
    ['a@localhost', 'no dot in the domain'],
    ['a@example.c', 'one-letter top-level domain'],
    ['a@example.', 'trailing dot'],
    ['@example.com', 'no local part'],
    ['a@', 'no domain'],
    ['<a@example.com>', 'angle brackets'],
    ['"a"@example.com', 'quotes'],
    ['a@example.com\n', 'trailing newline'],
    ['a'.repeat(255 - at.length) + at, '255 characters'],
  ];
  for (const [e, why] of bad) throwsCode(t, () => checkEmail(e), 'invalid_email', `rejects ${why}`);
  const err = throwsCode(t, () => checkEmail('x'.repeat(300)), 'invalid_email');
  t.equal((err?.details?.email as string).length, 100, 'details carry at most 100 characters of the input');
});

t.test('guest authors', async (t) => {
  t.strictSame(checkGuestAuthor({ name: '  Ada  ', email: ' ada@example.com ' }), { name: 'Ada', email: 'ada@example.com' }, 'name and email are trimmed');
  t.strictSame(checkGuestAuthor({ name: 'x'.repeat(64), email: 'a@b.co' }).name, 'x'.repeat(64), '64-character name');
  throwsCode(t, () => checkGuestAuthor({ email: 'a@b.co' }), 'name_required', 'given no name');
  throwsCode(t, () => checkGuestAuthor({ name: '   ', email: 'a@b.co' }), 'name_required', 'given a blank name');
  throwsCode(t, () => checkGuestAuthor({ name: 'x'.repeat(65), email: 'a@b.co' }), 'invalid_author', 'given a 65-character name');
  throwsCode(t, () => checkGuestAuthor({ name: 'Ada' }), 'email_required', 'given no email');
  throwsCode(t, () => checkGuestAuthor({ name: 'Ada', email: 'nope' }), 'invalid_email', 'given a bad email');
  throwsCode(t, () => checkGuestAuthor({ name: 'Ada', email: '' }), 'email_required', 'given an empty email: missing, not wrong');
  throwsCode(t, () => checkGuestAuthor({ name: 'Ada', email: '  ' }), 'email_required', 'given a blank email');
  t.strictSame(checkGuestAuthor({ name: 'Ada', email: ' ' }, { emailRequired: false }), { name: 'Ada', email: null }, 'an optional email may be left blank');
  t.strictSame(checkGuestAuthor({ name: 'Ada' }, { emailRequired: false }), { name: 'Ada', email: null }, 'or left out');
  throwsCode(t, () => checkGuestAuthor({ name: 'Ada', email: 'nope' }, { emailRequired: false }), 'invalid_email', 'an optional email, given, is still checked');
});

t.test('usernames', async (t) => {
  for (const u of ['ab', 'Ada_Lovelace', 'x-1', 'a'.repeat(32)]) t.equal(checkUsername(u), u, `accepts ${u}`);
  for (const [u, why] of [
    ['a', 'one character'],
    ['a'.repeat(33), '33 characters'],
    ['', 'empty'],
    ['ada lovelace', 'space'],
    ['ada.l', 'dot'],
    ['adá', 'unicode letter'],
    ['ada@x', '@'],
  ] as const) {
    throwsCode(t, () => checkUsername(u), 'invalid_username', `rejects ${why}`);
  }
});

t.test('passwords need at least 8 characters', async (t) => {
  t.equal(checkPassword('12345678'), '12345678', 'exactly 8');
  t.equal(checkPassword('correct horse battery staple'), 'correct horse battery staple');
  throwsCode(t, () => checkPassword('1234567'), 'weak_password', 'given 7');
  throwsCode(t, () => checkPassword(''), 'weak_password', 'given none');
});

t.test('mergeSettings', async (t) => {
  const current: ForumSettings = { editWindowSeconds: 60, preModeration: true, maxDepth: 3, allowedOrigins: ['https://a.example'], ssoJwksUrl: null, ssoAudience: null, guestsMayPost: true, guestEmailRequired: true, erasedAuthorPosts: 'anonymize', moderation: defaultModerationSettings };

  t.test('given no change, the current settings come back', async (t) => {
    t.strictSame(mergeSettings(current), current);
    t.strictSame(mergeSettings(defaultForumSettings), { editWindowSeconds: 900, preModeration: false, maxDepth: 6, allowedOrigins: [], ssoJwksUrl: null, ssoAudience: null, guestsMayPost: true, guestEmailRequired: true, erasedAuthorPosts: 'anonymize', moderation: defaultModerationSettings });
  });

  t.test('given a change to the moderation rules, it merges section by section and is checked', async (t) => {
    const next = mergeSettings(current, { moderation: { links: { maxLinks: 7 } } });
    t.strictSame(next.moderation.links, { ...defaultModerationSettings.links, maxLinks: 7 });
    t.strictSame(next.moderation.bans, defaultModerationSettings.bans);
    t.strictSame(mergeSettings(next, { moderation: { spamHeuristics: { honeypot: false } } }).moderation.links.maxLinks, 7, 'a later change keeps earlier ones');
    throwsCode(t, () => mergeSettings(current, { moderation: { links: { maxLinks: 1000 } } }), 'invalid_settings', 'a threshold out of range');
  });

  t.test('given single sign-on settings', async (t) => {
    t.equal(mergeSettings(current, { ssoJwksUrl: 'https://site.example/.well-known/jwks.json', ssoAudience: 'comments' }).ssoAudience, 'comments');
    throwsCode(t, () => mergeSettings(current, { ssoJwksUrl: 'ftp://site.example/jwks' }), 'invalid_settings', 'a JWKS URL that is not http(s)');
    throwsCode(t, () => mergeSettings(current, { ssoJwksUrl: 'not a url' }), 'invalid_settings', 'nor a URL');
    throwsCode(t, () => mergeSettings(current, { ssoAudience: '' }), 'invalid_settings', 'an empty audience');
  });

  t.test('given a partial current, defaults fill the gaps', async (t) => {
    t.strictSame(mergeSettings({ maxDepth: 2 } as ForumSettings), { ...defaultForumSettings, maxDepth: 2 });
  });

  t.test('given a partial change, only those fields change', async (t) => {
    t.strictSame(mergeSettings(current, { maxDepth: 10 }), { ...current, maxDepth: 10 });
    t.strictSame(mergeSettings(current, { preModeration: false }), { ...current, preModeration: false });
    t.strictSame(mergeSettings(current, { allowedOrigins: [] }), { ...current, allowedOrigins: [] });
  });

  t.test('the inputs are not modified', async (t) => {
    const before = structuredClone(current);
    const change = { maxDepth: 1 };
    mergeSettings(current, change);
    t.strictSame(current, before);
    t.strictSame(change, { maxDepth: 1 });
  });

  t.test('editWindowSeconds is a whole number from 0 to one week', async (t) => {
    t.equal(mergeSettings(current, { editWindowSeconds: 0 }).editWindowSeconds, 0);
    t.equal(mergeSettings(current, { editWindowSeconds: 604800 }).editWindowSeconds, 604800);
    for (const v of [-1, 604801, 1.5, Number.NaN, Infinity]) {
      throwsCode(t, () => mergeSettings(current, { editWindowSeconds: v }), 'invalid_settings', `rejects ${v}`);
    }
    const err = throwsCode(t, () => mergeSettings(current, { editWindowSeconds: -5 }), 'invalid_settings');
    t.strictSame(err?.details, { editWindowSeconds: -5 });
    throwsCode(t, () => mergeSettings(current, { editWindowSeconds: '60' as unknown as number }), 'invalid_settings', 'rejects a numeric string');
  });

  t.test('maxDepth is a whole number from 0 to 20', async (t) => {
    t.equal(mergeSettings(current, { maxDepth: 0 }).maxDepth, 0);
    t.equal(mergeSettings(current, { maxDepth: 20 }).maxDepth, 20);
    for (const v of [-1, 21, 2.5]) throwsCode(t, () => mergeSettings(current, { maxDepth: v }), 'invalid_settings', `rejects ${v}`);
    const err = throwsCode(t, () => mergeSettings(current, { maxDepth: 99 }), 'invalid_settings');
    t.strictSame(err?.details, { maxDepth: 99 });
  });

  t.test('allowedOrigins holds bare http(s) origins', async (t) => {
    const ok = ['https://example.com', 'http://localhost:3000', 'https://sub.example.co.uk:8443', 'https://xn--bcher-kva.example'];
    t.strictSame(mergeSettings(current, { allowedOrigins: ok }).allowedOrigins, ok, 'accepts valid origins');
    const bad: [string, string][] = [
      ['https://example.com/', 'trailing slash'],
      ['https://example.com/blog', 'a path'],
      ['https://example.com?x=1', 'a query'],
      ['https://example.com#top', 'a fragment'],
      ['ftp://example.com', 'ftp:'],
      ['javascript:alert(1)', 'javascript:'],
      ['example.com', 'no scheme'],
      ['//example.com', 'protocol-relative'],
      ['https://Example.com', 'uppercase host (not canonical)'],
      ['https://example.com:443', 'default port spelled out'],
      ['https://user@example.com', 'credentials'],
      ['null', 'the opaque origin'],
      ['', 'empty'],
    ];
    for (const [o, why] of bad) {
      throwsCode(t, () => mergeSettings(current, { allowedOrigins: [o] }), 'invalid_settings', `rejects ${why}`);
    }
    throwsCode(t, () => mergeSettings(current, { allowedOrigins: ['https://ok.example', 'https://bad.example/'] }), 'invalid_settings', 'one bad entry spoils the list');
  });

  t.test('allowedOrigins holds at most 50 origins', async (t) => {
    const origins = (n: number) => Array.from({ length: n }, (_, i) => `https://s${i}.example`);
    t.equal(mergeSettings(current, { allowedOrigins: origins(50) }).allowedOrigins.length, 50);
    throwsCode(t, () => mergeSettings(current, { allowedOrigins: origins(51) }), 'invalid_settings', 'given 51');
  });

  t.test('a stored out-of-range value is caught even when the change does not touch it', async (t) => {
    throwsCode(t, () => mergeSettings({ ...current, maxDepth: 50 }, { preModeration: false }), 'invalid_settings');
  });
});
