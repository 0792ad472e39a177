// The moderation queue as data: which queue a post is in, the item a moderator sees, and the
// queue's and the log's cursors (opaque, tied to their query, refused when forged).
import t from 'tap';
import { decodeLogCursor, decodeQueueCursor, encodeLogCursor, encodeQueueCursor, moderationLogPostTypes, queueItemView, queueOf, ParleyError } from '@parley/domain';
import { aPost } from './fixtures.ts';

const thread = { identifier: 'page-1', title: 'A page', url: 'https://example.com/1' };
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (err) {
    return err instanceof ParleyError ? err.code : 'not a ParleyError';
  }
};

t.test('queueOf: the status queues, flagged for published posts with flags, else none', async (t) => {
  t.equal(queueOf({ status: 'pending', flagCount: 0 }), 'pending');
  t.equal(queueOf({ status: 'pending', flagCount: 3 }), 'pending', 'a held post is in the held queue, flags or not');
  t.equal(queueOf({ status: 'spam', flagCount: 0 }), 'spam');
  t.equal(queueOf({ status: 'shadowed', flagCount: 0 }), 'shadowed');
  t.equal(queueOf({ status: 'approved', flagCount: 1 }), 'flagged');
  t.equal(queueOf({ status: 'approved', flagCount: 0 }), null);
  t.equal(queueOf({ status: 'deleted', flagCount: 2 }), null, 'a deleted post is in no queue');
});

t.test('an item: the moderator view, its thread, its author; a guest\'s email only', async (t) => {
  const guest = queueItemView(aPost({ authorUserId: null, status: 'pending' }), thread, 'g@example.com');
  t.match(guest, { id: '42', status: 'pending', queue: 'pending', threadId: '7', thread, authorUserId: null, authorEmail: 'g@example.com', moderation: { reasons: [], flagCount: 0 } });
  const member = queueItemView(aPost({ authorUserId: '9' }), thread, 'stale@example.com');
  t.equal(member.authorEmail, null, "never a registered account's email");
  t.equal(member.html, aPost().html, 'the content in full');
});

t.test('queue cursors belong to their queue', async (t) => {
  const c = encodeQueueCursor('spam', '123');
  t.equal(decodeQueueCursor(c, 'spam'), '123');
  t.equal(code(() => decodeQueueCursor(c, 'pending')), 'invalid_cursor');
  for (const bad of ['', '!!', 'x'.repeat(2001), Buffer.from('[]').toString('base64url'), Buffer.from('{"q":"spam","i":"01"}').toString('base64url'), Buffer.from('{"q":"spam","i":1}').toString('base64url')]) {
    t.equal(code(() => decodeQueueCursor(bad, 'spam')), 'invalid_cursor', JSON.stringify(bad).slice(0, 40));
  }
});

t.test('log cursors: a position per database, null when read to its end', async (t) => {
  const c = { content: '9', forums: null };
  t.same(decodeLogCursor(encodeLogCursor(c)), c);
  for (const bad of [{ l: { elsewhere: '1' } }, { l: { content: 'x' } }, { l: [] }, { l: null }, {}]) {
    t.equal(code(() => decodeLogCursor(Buffer.from(JSON.stringify(bad)).toString('base64url'))), 'invalid_cursor', JSON.stringify(bad));
  }
});

t.test('the moderation log shows every moderator transition, as migration 14 indexes them', async (t) => {
  t.strictSame([...moderationLogPostTypes].sort(), ['PostApproved', 'PostDeleted', 'PostHeld', 'PostMarkedSpam', 'PostRestored', 'PostShadowed']);
});
