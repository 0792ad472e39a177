// The malformed frames a client may send and the error code each must get: one table for the
// parser's unit test (every case, with the threadId the refusal names) and the protocol's int test
// (the same frames over a real socket, where the connection must stay usable).
import type { ErrorFrame } from '../src/protocol.ts';

export interface BadFrame {
  what: string;
  text: string;
  code: ErrorFrame['code'];
  /** the thread the error frame names, when the frame got that far */
  threadId?: string;
}

export function badFrames(threadId: string): BadFrame[] {
  const sub = (fields: Record<string, unknown>) => JSON.stringify({ op: 'subscribe', threadId, ...fields });
  const frame = (what: string, text: string, code: ErrorFrame['code'], named?: string): BadFrame => ({ what, text, code, ...(named ? { threadId: named } : {}) });
  return [
    frame('not JSON', '{not json', 'bad_frame'),
    frame('an array', '[{"op":"ping"}]', 'bad_frame'),
    frame('null', 'null', 'bad_frame'),
    frame('a number', '42', 'bad_frame'),
    frame('no op', '{}', 'unknown_op'),
    frame('unknown op', '{"op":"shout"}', 'unknown_op'),
    frame('op not a string', '{"op":1}', 'unknown_op'),
    frame('op from the prototype', '{"op":"toString"}', 'unknown_op'),
    frame('unknown field on ping', '{"op":"ping","x":1}', 'unknown_field'),
    frame('unknown field on unsubscribe', JSON.stringify({ op: 'unsubscribe', threadId, after: 1 }), 'unknown_field'),
    frame('unknown field on subscribe', sub({ thread: 1 }), 'unknown_field'),
    frame('no threadId', '{"op":"subscribe"}', 'invalid_field'),
    frame('threadId a number', JSON.stringify({ op: 'subscribe', threadId: Number(threadId) }), 'invalid_field'),
    frame('threadId not an id', sub({ threadId: 'abc' }), 'invalid_field', 'abc'),
    frame('threadId past bigint', sub({ threadId: '99999999999999999999' }), 'invalid_field', '99999999999999999999'),
    frame('after negative', sub({ after: -1 }), 'invalid_field', threadId),
    frame('after a float', sub({ after: 1.5 }), 'invalid_field', threadId),
    frame('after a string', sub({ after: '1' }), 'invalid_field', threadId),
    frame('after past 2^53', sub({ after: 2 ** 53 }), 'invalid_field', threadId),
    frame('key empty', sub({ key: '' }), 'invalid_field', threadId),
    frame('key not a string', sub({ key: 42 }), 'invalid_field', threadId),
    frame('key too long', sub({ key: 'k'.repeat(513) }), 'invalid_field', threadId),
  ];
}
