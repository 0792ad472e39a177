import t from 'tap';
import { errorCodes, ParleyError } from '@parley/domain';
import { errorFrame, helloFrame, isErrorFrame, parseFrame, refusalFrame, resetFrame, subscribedFrame, type ClientOp, type ErrorFrame } from '../src/protocol.ts';

const parse = (text: string) => parseFrame(Buffer.from(text), false);
const sub = (fields: Record<string, unknown>) => JSON.stringify({ op: 'subscribe', threadId: '42', ...fields });

t.test('well-formed frames become operations', async (t) => {
  const cases: [string, ClientOp][] = [
    ['{"op":"ping"}', { op: 'ping' }],
    ['{"op":"unsubscribe","threadId":"42"}', { op: 'unsubscribe', threadId: '42' }],
    ['{"op":"subscribe","threadId":"42"}', { op: 'subscribe', threadId: '42', after: undefined, key: undefined }],
    [sub({ after: 0 }), { op: 'subscribe', threadId: '42', after: 0, key: undefined }],
    [sub({ after: 17, key: 'pmk_x' }), { op: 'subscribe', threadId: '42', after: 17, key: 'pmk_x' }],
    [sub({ key: 'k'.repeat(512) }), { op: 'subscribe', threadId: '42', after: undefined, key: 'k'.repeat(512) }],
    ['  {"op":"ping"}  ', { op: 'ping' }],
  ];
  for (const [text, op] of cases) t.same(parse(text), op, text.slice(0, 60));
  t.same(parseFrame('{"op":"ping"}', false), { op: 'ping' }, 'a string as well as a Buffer');
});

t.test('malformed frames get the error frame that names what is wrong', async (t) => {
  const cases: [string, string, ErrorFrame['code'], string?][] = [
    ['not JSON', 'garbage', 'bad_frame'],
    ['an array', '[{"op":"ping"}]', 'bad_frame'],
    ['null', 'null', 'bad_frame'],
    ['a number', '42', 'bad_frame'],
    ['no op', '{}', 'unknown_op'],
    ['unknown op', '{"op":"shout"}', 'unknown_op'],
    ['op not a string', '{"op":1}', 'unknown_op'],
    ['op from the prototype', '{"op":"toString"}', 'unknown_op'],
    ['unknown field on ping', '{"op":"ping","x":1}', 'unknown_field'],
    ['unknown field on unsubscribe', '{"op":"unsubscribe","threadId":"42","after":1}', 'unknown_field'],
    ['unknown field on subscribe', sub({ thread: 1 }), 'unknown_field'],
    ['no threadId', '{"op":"subscribe"}', 'invalid_field'],
    ['threadId a number', '{"op":"subscribe","threadId":42}', 'invalid_field'],
    ['threadId not an id', sub({ threadId: 'abc' }), 'invalid_field', 'abc'],
    ['threadId past bigint', sub({ threadId: '99999999999999999999' }), 'invalid_field', '99999999999999999999'],
    ['after negative', sub({ after: -1 }), 'invalid_field', '42'],
    ['after a float', sub({ after: 1.5 }), 'invalid_field', '42'],
    ['after a string', sub({ after: '1' }), 'invalid_field', '42'],
    ['after past 2^53', sub({ after: 2 ** 53 }), 'invalid_field', '42'],
    ['key empty', sub({ key: '' }), 'invalid_field', '42'],
    ['key not a string', sub({ key: 42 }), 'invalid_field', '42'],
    ['key too long', sub({ key: 'k'.repeat(513) }), 'invalid_field', '42'],
  ];
  for (const [what, text, code, threadId] of cases) {
    const f = parse(text);
    t.ok(isErrorFrame(f), `${what}: an error`);
    if (!isErrorFrame(f)) continue;
    t.equal(f.code, code, `${what}: ${code}`);
    t.equal(f.threadId, threadId, `${what}: threadId ${threadId ?? 'absent'}`);
    t.ok(Object.hasOwn(errorCodes, f.code), `${what}: a code of the registry`);
    t.match(f.message, /\S.*\.$/, `${what}: a sentence`);
  }
  t.match(parseFrame(Buffer.from('{"op":"ping"}'), true), { op: 'error', code: 'bad_frame', message: /binary/ }, 'a binary frame');
  const long = parse(JSON.stringify({ op: 'x'.repeat(1000) })) as ErrorFrame;
  t.ok(long.message.length < 120, 'an unknown op is quoted at most 40 characters long');
  const extra = parse(JSON.stringify({ op: 'ping', ['y'.repeat(1000)]: 1 })) as ErrorFrame;
  t.ok(extra.message.length < 120, 'so is an unknown field');
  t.equal((parse(sub({ threadId: 'z'.repeat(1000) })) as ErrorFrame).threadId, 'z'.repeat(40), 'a bad threadId is echoed cut to 40');
});

t.test('error frames: the registry message unless one is given', async (t) => {
  t.same(errorFrame('slow_consumer'), { op: 'error', code: 'slow_consumer', message: errorCodes.slow_consumer.message });
  t.same(errorFrame('not_subscribed', undefined, '9'), { op: 'error', code: 'not_subscribed', message: errorCodes.not_subscribed.message, threadId: '9' });
  t.same(refusalFrame(new ParleyError('unauthorized', { message: 'No.', details: { secret: 1 } }), '9'), { op: 'error', code: 'unauthorized', message: 'No.', threadId: '9' }, 'a refusal carries no details');
  t.notOk('threadId' in errorFrame('bad_frame'), 'no threadId key without one');
});

t.test('server frames', async (t) => {
  t.same(helloFrame({ subscriptions: 100, frameBytes: 4096, idleSeconds: 60, replay: 1000 }), { op: 'hello', protocol: 1, limits: { subscriptions: 100, frameBytes: 4096, idleSeconds: 60, replay: 1000 } });
  t.same(subscribedFrame('42', 17, false), { op: 'subscribed', threadId: '42', seq: 17, moderator: false });
  t.same(resetFrame('42', 950), { op: 'reset', threadId: '42', seq: 950 });
  t.same(resetFrame('42'), { op: 'reset', threadId: '42' }, 'a slow consumer is reset without a seq');
});
