// The moderation queue's frames (protocol.ts, pure): subscribeQueue and unsubscribeQueue parsed,
// and each malformed one answered with the error that names what is wrong, with its forum.
import t from 'tap';
import { parseFrame } from '../src/protocol.ts';

const parse = (o: unknown) => parseFrame(Buffer.from(JSON.stringify(o)), false);

t.test('queue ops', async (t) => {
  t.same(parse({ op: 'subscribeQueue', forum: 'blog' }), { op: 'subscribeQueue', forum: 'blog', key: undefined });
  t.same(parse({ op: 'subscribeQueue', forum: 'blog', key: 'pmk_x' }), { op: 'subscribeQueue', forum: 'blog', key: 'pmk_x' });
  t.same(parse({ op: 'unsubscribeQueue', forum: 'blog' }), { op: 'unsubscribeQueue', forum: 'blog' });
  t.match(parse({ op: 'subscribeQueue' }), { op: 'error', code: 'invalid_field', message: /forum/ });
  t.match(parse({ op: 'subscribeQueue', forum: 7 }), { op: 'error', code: 'invalid_field' });
  t.match(parse({ op: 'subscribeQueue', forum: 'Not A Slug!' }), { op: 'error', code: 'invalid_field', forum: 'Not A Slug!' });
  t.match(parse({ op: 'subscribeQueue', forum: 'x'.repeat(500) }), { op: 'error', code: 'invalid_field', forum: 'x'.repeat(64) }, 'echoed cut short');
  t.match(parse({ op: 'subscribeQueue', forum: 'blog', key: '' }), { op: 'error', code: 'invalid_field', forum: 'blog' });
  t.match(parse({ op: 'subscribeQueue', forum: 'blog', key: 'k'.repeat(513) }), { op: 'error', code: 'invalid_field' });
  t.match(parse({ op: 'subscribeQueue', forum: 'blog', after: 3 }), { op: 'error', code: 'unknown_field', message: /after/ }, 'a queue has no sequence to resume from');
  t.match(parse({ op: 'unsubscribeQueue', forum: 'blog', key: 'x' }), { op: 'error', code: 'unknown_field' });
});
