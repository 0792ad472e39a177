import t from 'tap';
import { errorCodes, ParleyError } from '@parley/domain';
import { badFrames } from './bad-frames.ts';
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
  for (const { what, text, code, threadId } of badFrames('42')) {
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
