// What a post event does to the counters, and how a batch's deltas become one statement's values.
import t from 'tap';
import { counterSql, type LoggedEvent } from '@parley/data';
import { makeEvent, type PostRecord } from '@parley/domain';
import { aPost } from '../../../packages/domain/test/fixtures.ts';
import { postDelta, sumBy } from '../src/counters/deltas.ts';

let nextId = 1;
/** A post event as the log holds it (only the fields the counters read matter). */
const logged = (type: 'PostCreated' | 'PostEdited' | 'PostApproved' | 'PostMarkedSpam' | 'PostDeleted' | 'PostRestored', post: PostRecord): LoggedEvent => {
  const event = makeEvent(type, post);
  return { id: String(nextId++), forumId: post.forumId, threadId: post.threadId, seq: nextId, type, version: 1, actor: 'a', at: new Date(0), postId: post.id, event, snapshot: new Uint8Array() };
};

t.test('a created post counts in its status; a status change moves it from the status it replaced', async (t) => {
  t.match(postDelta(logged('PostCreated', aPost({ status: 'approved' }))), { published: 1, pending: 0 });
  t.match(postDelta(logged('PostCreated', aPost({ status: 'pending' }))), { published: 0, pending: 1 });
  t.match(postDelta(logged('PostCreated', aPost({ status: 'spam' }))), { published: 0, pending: 0 });
  t.match(postDelta(logged('PostApproved', aPost({ status: 'approved', prevStatus: 'pending' }))), { published: 1, pending: -1 });
  t.match(postDelta(logged('PostMarkedSpam', aPost({ status: 'spam', prevStatus: 'approved' }))), { published: -1, pending: 0 });
  t.match(postDelta(logged('PostDeleted', aPost({ status: 'deleted', prevStatus: 'pending' }))), { published: 0, pending: -1 });
  t.match(postDelta(logged('PostRestored', aPost({ status: 'approved', prevStatus: 'deleted' }))), { published: 1, pending: 0 });
  t.equal(postDelta(logged('PostEdited', aPost())), undefined, 'an edit counts nothing');
});

t.test('deltas sum per key of each counter table; keys that net to nothing, or have no key, drop out', async (t) => {
  const deltas = [
    postDelta(logged('PostCreated', aPost({ id: '1', threadId: '7', parentId: null, authorUserId: null }))),
    postDelta(logged('PostCreated', aPost({ id: '2', threadId: '7', parentId: '1', authorUserId: '9', status: 'pending' }))),
    postDelta(logged('PostCreated', aPost({ id: '3', threadId: '8', parentId: '1', authorUserId: '9' }))),
    postDelta(logged('PostMarkedSpam', aPost({ id: '4', threadId: '8', parentId: null, authorUserId: '9', status: 'spam', prevStatus: 'approved' }))),
  ].map((d) => d!);
  const table = (name: string) => counterSql.counterTables.find((c) => c.name === name)!;
  const sums = (name: string) => sumBy(deltas, (d) => counterSql.counterKey(table(name), d.post));
  t.same([...sums('thread')], [['7', { published: 1, pending: 1 }]], "thread 8's creation and unpublishing cancel out");
  t.same([...sums('replies')], [['1', { published: 1, pending: 1 }]], 'roots count under no parent');
  t.same([...sums('user')], [['9', { published: 0, pending: 1 }]]);
  // one statement per table: ids, then one array per column in the table's column order
  t.same(counterSql.counterValues(table('thread'), sums('thread')), [['7'], [1], [1]]);
  t.same(counterSql.counterValues(table('user'), sums('user')), [['9'], [0]], 'users count published posts only');
  t.match(counterSql.addCounts(table('user')), /SET post_count = t\.post_count \+ d\.n0 FROM unnest\(\$1::bigint\[\], \$2::int\[\]\)/);
});
