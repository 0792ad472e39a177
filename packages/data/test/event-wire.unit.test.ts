// The one logged-event type and the wire formats derived from it (logged-event.ts, event-wire.ts).
import t from 'tap';
import {
  decodeBusEvent,
  encodeBusEvent,
  encodeSnapshot,
  eventRowFromRow,
  fromJobEvent,
  loggedEventFromRow,
  toJobEvent,
  type ThreadEvent,
} from '@parley/data';
import { makeEvent, type PostCreated, type PostRecord } from '@parley/domain';

const post: PostRecord = {
  id: '42', threadId: '7', forumId: '3', parentId: null, depth: 0, path: ['42'], authorUserId: null, authorName: 'Ann',
  message: 'hi', html: '<p>hi</p>', status: 'approved', initialStatus: 'approved', prevStatus: null, moderationReasons: [], flagCount: 0, revision: 1, score: 0,
  replyCount: 0, notify: false, createdAt: new Date('2026-12-01T10:00:00.000Z'), editedAt: null,
};
const at = new Date('2026-12-01T10:00:01.500Z');
const row = {
  id: '1001', forum_id: '3', thread_id: '7', seq: '5', type: 'PostCreated', schema_version: 1, actor: 'guest:ab', at,
  post_id: '42', snapshot: encodeSnapshot(post),
};

t.test('the row codec decodes the snapshot with the versioned reader', async (t) => {
  const e = loggedEventFromRow(row);
  t.same(
    { id: e.id, forumId: e.forumId, threadId: e.threadId, seq: e.seq, type: e.type, version: e.version, actor: e.actor, postId: e.postId },
    { id: '1001', forumId: '3', threadId: '7', seq: 5, type: 'PostCreated', version: 1, actor: 'guest:ab', postId: '42' },
  );
  t.equal(e.at, at);
  t.same(e.event, makeEvent<PostCreated>('PostCreated', post), 'the domain event, dates included');
  t.throws(() => loggedEventFromRow({ ...row, schema_version: 9 }), /no reader for PostCreated snapshot version 9/, 'an unknown version is refused');
  t.throws(() => loggedEventFromRow({ ...row, snapshot: encodeSnapshot('a string') }), /snapshot is not a record/, 'a snapshot that is not a record');
  const forumEvent = eventRowFromRow({ ...row, thread_id: null, seq: null, post_id: null });
  t.same([forumEvent.threadId, forumEvent.seq, forumEvent.postId], [null, null, null], 'a forum event has no thread place');
});

t.test('bus: a round trip gives the same event; too large becomes a reference', async (t) => {
  const e = loggedEventFromRow(row) as ThreadEvent;
  const text = encodeBusEvent(e);
  const back = decodeBusEvent(text);
  t.same({ threadId: back?.threadId, forumId: back?.forumId, seq: back?.seq }, { threadId: '7', forumId: '3', seq: 5 });
  t.same(back?.event?.event, e.event, 'the decoded event');
  t.equal(back?.event?.at.toISOString(), at.toISOString());
  t.equal(back?.event?.actor, 'guest:ab');
  t.equal(Buffer.compare(Buffer.from(back!.event!.snapshot), Buffer.from(e.snapshot)), 0, 'the snapshot bytes unchanged');

  const small = encodeBusEvent(e, 60);
  t.ok(Buffer.byteLength(small) <= 60, 'a reference fits the bound');
  t.same(decodeBusEvent(small), { threadId: '7', forumId: '3', seq: 5 }, 'a reference: read the event from the log');
});

t.test('bus: anything malformed is ignored, an unreadable event is a reference', async (t) => {
  for (const bad of ['', 'not json', 'null', '[]', '{"t":"x","f":"3","s":1}', '{"t":"7","f":"3","s":0}', '{"t":"7","f":3,"s":1}', '{"t":"07","f":"3","s":1}']) {
    t.equal(decodeBusEvent(bad), undefined, `ignored: ${bad}`);
  }
  const e = loggedEventFromRow(row) as ThreadEvent;
  const wire = JSON.parse(encodeBusEvent(e)) as Record<string, unknown>;
  t.same(decodeBusEvent(JSON.stringify({ ...wire, v: 9 })), { threadId: '7', forumId: '3', seq: 5 }, 'a version this node cannot read');
  t.same(decodeBusEvent(JSON.stringify({ ...wire, a: 'yesterday' })), { threadId: '7', forumId: '3', seq: 5 }, 'a bad time');
  const { i: _i, c: _c, ...olderNode } = wire;
  t.same(decodeBusEvent(JSON.stringify(olderNode)), { threadId: '7', forumId: '3', seq: 5 }, "a message without the event's id (an older node)");
});

t.test('job: the relay passes rows on undecoded; the consumer decodes each', async (t) => {
  const job = toJobEvent(eventRowFromRow(row));
  t.same(Object.keys(job).sort(), ['actor', 'at', 'forumId', 'id', 'postId', 'seq', 'snapshot', 'threadId', 'type', 'version']);
  const json = JSON.parse(JSON.stringify(job)) as typeof job;
  const e = fromJobEvent(json);
  t.same(e.event, loggedEventFromRow(row).event, 'survives JSON');
  t.equal(e.at.getTime(), at.getTime());
  // a poison snapshot travels (the relay must not stop on it) and fails only its own decode
  const poison = toJobEvent(eventRowFromRow({ ...row, schema_version: 9 }));
  t.throws(() => fromJobEvent(JSON.parse(JSON.stringify(poison)) as typeof poison), /no reader/);
  t.throws(() => fromJobEvent({ ...json, id: 'x' }), /malformed job event/);
  t.throws(() => fromJobEvent({ ...json, at: 'never' }), /malformed job event/);
});
