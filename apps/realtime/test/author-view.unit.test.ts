// The author view of a shadowed post's events (hub.ts `render`): rendered a third time only for
// events whose post is shadowed and has an account author; that rendering shows the post as
// published, and the public's says only that something is hidden.
import t from 'tap';
import type { ThreadEvent } from '@parley/data';
import { makeEvent, type ParleyEvent } from '@parley/domain';
import { render } from '../src/hub.ts';
import { aPost } from '../../../packages/domain/test/fixtures.ts';

const at = new Date('2026-12-07T12:00:00.000Z');
const logged = (event: ParleyEvent, seq = 5): ThreadEvent =>
  ({ id: '1', forumId: '3', threadId: '7', seq, type: event.type, version: 1, actor: 'user:9', at, postId: '42', event, snapshot: new Uint8Array() }) as ThreadEvent;

t.test("a shadowed post's event: its author sees it published, the public hidden, moderators as it is", async (t) => {
  const post = aPost({ id: '42', status: 'shadowed', authorUserId: '9' });
  const e = render(logged(makeEvent('PostShadowed', post)));
  t.strictSame(JSON.parse(e.pub), { seq: 5, type: 'hidden', postId: '42' });
  t.match(JSON.parse(e.mod), { type: 'PostShadowed', post: { status: 'shadowed', moderation: {} } });
  t.equal(e.own?.userId, '9');
  const own = JSON.parse(e.own!.json);
  t.match(own, { type: 'PostApproved', post: { id: '42', status: 'approved' } }, 'the shadowing reaches its author as a publication');
  t.notOk('moderation' in own.post, 'with no reasons');
});

t.test('no third rendering for other posts, nor for a guest author (known by no account)', async (t) => {
  t.equal(render(logged(makeEvent('PostCreated', aPost({ status: 'approved', authorUserId: '9' })))).own, undefined);
  t.equal(render(logged(makeEvent('PostCreated', aPost({ status: 'pending', authorUserId: '9' })))).own, undefined);
  t.equal(render(logged(makeEvent('PostCreated', aPost({ status: 'shadowed', authorUserId: null })))).own, undefined);
});
