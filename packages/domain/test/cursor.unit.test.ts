import t from 'tap';
import { decodeCursor, encodeCursor, sorts, type Cursor, type Sort } from '@parley/domain';
import { throwsCode } from './assert-code.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const json = (v: unknown) => b64(JSON.stringify(v));

t.test('a cursor round-trips for every sort', async (t) => {
  const cursors: Cursor[] = [
    { sort: 'oldest', path: ['1'] },
    { sort: 'oldest', path: ['12', '345', '9223372036854775807'] },
    { sort: 'newest', path: ['88', '89'] },
    { sort: 'top', path: ['5'], rootScore: 0 },
    { sort: 'top', path: ['5', '6', '7'], rootScore: -12 },
    { sort: 'top', path: ['5'], rootScore: 31337 },
  ];
  for (const c of cursors) {
    const raw = encodeCursor(c);
    t.match(raw, /^[A-Za-z0-9_-]+$/, `${c.sort} cursor is URL-safe`);
    t.strictSame(decodeCursor(raw, c.sort), c, `${c.sort} ${c.path.join('/')}`);
  }
  t.equal(sorts.length, 3, 'the three sorts are covered');
});

t.test('only the top sort carries a root score', async (t) => {
  const c = decodeCursor(encodeCursor({ sort: 'newest', path: ['3'], rootScore: 9 }), 'newest');
  t.strictSame(c, { sort: 'newest', path: ['3'] });
  t.notOk('rootScore' in c);
  t.strictSame(decodeCursor(json({ s: 'oldest', p: ['3'], r: 'junk' }), 'oldest'), { sort: 'oldest', path: ['3'] }, 'a stray r is ignored off the top sort');
});

t.test('given a cursor from another sort, then invalid_cursor naming it', async (t) => {
  for (const from of sorts) {
    for (const to of sorts) {
      if (from === to) continue;
      const raw = encodeCursor({ sort: from, path: ['1'], rootScore: 1 });
      const err = throwsCode(t, () => decodeCursor(raw, to), 'invalid_cursor', `${from} cursor used for ${to}`);
      t.match(err?.message, `sort=${from}`, 'the message says which sort it came from');
    }
  }
});

t.test('given something that is not a cursor, then invalid_cursor', async (t) => {
  const cases: [string, string, Sort][] = [
    ['', 'empty', 'oldest'],
    ['garbage!', 'punctuation', 'oldest'],
    ['abc def', 'space', 'oldest'],
    [json({ s: 'oldest', p: ['1'] }) + '=', 'base64 padding', 'oldest'],
    [Buffer.from('{"s":"oldest","p":["1"]}>>>').toString('base64'), 'standard base64 with + or /', 'oldest'],
    ['%7B%7D', 'percent-encoding', 'oldest'],
    [b64('not json'), 'base64 of text', 'oldest'],
    [b64('{"s":"oldest","p":["1"]'), 'base64 of truncated JSON', 'oldest'],
    ['AAAA', 'base64 of NUL bytes', 'oldest'],
    [json(null), 'JSON null', 'oldest'],
    [json(42), 'JSON number', 'oldest'],
    [json('oldest'), 'JSON string', 'oldest'],
    [json([]), 'JSON array', 'oldest'],
    [json({}), 'empty object', 'oldest'],
    [json({ s: 'oldest' }), 'no path', 'oldest'],
    [json({ s: 'oldest', p: [] }), 'empty path', 'oldest'],
    [json({ s: 'oldest', p: '1' }), 'path not an array', 'oldest'],
    [json({ s: 'oldest', p: [1] }), 'path of numbers', 'oldest'],
    [json({ s: 'oldest', p: ['abc'] }), 'path of non-id strings', 'oldest'],
    [json({ s: 'oldest', p: ['0'] }), 'id 0', 'oldest'],
    [json({ s: 'oldest', p: ['01'] }), 'id with a leading zero', 'oldest'],
    [json({ s: 'oldest', p: ['1', null] }), 'null in the path', 'oldest'],
    [json({ s: 'oldest', p: ['1 OR 1=1'] }), 'SQL in the path', 'oldest'],
    [json({ s: 'oldest', p: Array.from({ length: 65 }, (_, i) => String(i + 1)) }), 'path of 65 ids', 'oldest'],
    [json({ s: 'newest', p: [['1']] }), 'nested array', 'newest'],
    [json({ s: 'top', p: ['1'] }), 'top without rootScore', 'top'],
    [json({ s: 'top', p: ['1'], r: '5' }), 'top with a string rootScore', 'top'],
    [json({ s: 'top', p: ['1'], r: 1.5 }), 'top with a fractional rootScore', 'top'],
    [json({ s: 'top', p: ['1'], r: null }), 'top with a null rootScore', 'top'],
    [json({ s: 'top', p: ['1'], r: 2 ** 53 }), 'top with an unsafe rootScore', 'top'],
    [json({ s: 'oldest', p: ['1'], pad: 'x'.repeat(1600) }), 'otherwise valid but longer than 2000 characters', 'oldest'],
  ];
  for (const [raw, why, sort] of cases) throwsCode(t, () => decodeCursor(raw, sort), 'invalid_cursor', why);
});

t.test('the edges of what is accepted', async (t) => {
  t.match(Buffer.from('{"s":"oldest","p":["1"]}>>>').toString('base64'), /[+/]/, 'sanity: the standard-base64 case above holds a + or /');
  const long = json({ s: 'oldest', p: ['1'], pad: 'x'.repeat(1400) });
  t.ok(long.length > 1800 && long.length <= 2000, `sanity: ${long.length} characters`);
  t.strictSame(decodeCursor(long, 'oldest'), { sort: 'oldest', path: ['1'] }, 'just under the length limit, extra fields ignored');

  const path = Array.from({ length: 64 }, (_, i) => String(i + 1));
  t.strictSame(decodeCursor(encodeCursor({ sort: 'oldest', path }), 'oldest').path, path, 'a path of exactly 64 ids');
});
