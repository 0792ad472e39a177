import t from 'tap';
import {
  defaultForumSettings,
  eventView,
  forumView,
  userView,
  webhookView,
  makeEvent,
  postStatuses,
  postView,
  threadView,
  tombstone,
  type ParleyEvent,
  type PostCreated,
  type PostDeleted,
  type PostMarkedSpam,
  type PostStatus,
  type ThreadCreated,
  type VoteCast,
  type EventView,
  type VisibleEventView,
} from '@parley/domain';
import { aPost, aThread, createdAt } from './fixtures.ts';

const moderator = { moderator: true };
const everyone = { moderator: false };
const at = new Date('2025-03-02T08:00:00.000Z');
const visible = (e: EventView): VisibleEventView => {
  if (e.type === 'hidden') throw new Error(`event ${e.seq} is hidden`);
  return e;
};

const fullView = (status: PostStatus) => ({
  id: '42',
  parentId: '41',
  depth: 1,
  author: { name: 'Ada' },
  html: '<p>secret <em>words</em></p>',
  status,
  score: 5,
  replyCount: 0,
  revision: 2,
  createdAt: '2025-03-01T10:00:00.000Z',
  editedAt: '2025-03-01T10:05:00.000Z',
});
/** what a moderator sees: the full view and the post's moderation */
const modView = (status: PostStatus) => ({ ...fullView(status), moderation: { reasons: [], flagCount: 0 } });
const tombstoneView = {
  id: '42',
  parentId: '41',
  depth: 1,
  author: null,
  html: '',
  status: 'deleted',
  score: 0,
  replyCount: 0,
  revision: 2,
  createdAt: '2025-03-01T10:00:00.000Z',
  editedAt: null,
  tombstone: true,
};

t.test('postView', async (t) => {
  for (const status of postStatuses) {
    t.test(`given a ${status} post`, async (t) => {
      t.strictSame(postView(aPost({ status }), moderator), modView(status), 'a moderator sees all of it, and why it was held');
      if (status === 'approved') {
        t.strictSame(postView(aPost({ status }), everyone), fullView(status), 'the public sees all of it, but not its moderation');
      } else {
        const seen = postView(aPost({ status }), everyone);
        t.strictSame(seen, tombstoneView, 'the public sees a tombstone');
        t.notMatch(JSON.stringify(seen), /Ada|secret/, 'nothing of its author or content');
      }
    });
  }

  t.test('a moderator sees the reasons and the flag count', async (t) => {
    const reasons = [{ phase: 'links' as const, code: 'too_many_links', detail: '5 links, more than 3' }];
    t.strictSame(postView(aPost({ status: 'pending', moderationReasons: reasons, flagCount: 2 }), moderator).moderation, { reasons, flagCount: 2 });
    t.notOk('moderation' in postView(aPost({ moderationReasons: reasons, flagCount: 2 }), everyone), 'the public never does');
  });

  t.test('never carries the stored message, the author id or other internal fields', async (t) => {
    for (const viewer of [moderator, everyone]) {
      const view = postView(aPost(), viewer) as unknown as Record<string, unknown>;
      for (const key of ['message', 'authorUserId', 'notify', 'threadId', 'forumId', 'path', 'initialStatus']) {
        t.notOk(key in view, `${key} is not in the view (moderator: ${viewer.moderator})`);
      }
    }
  });

  t.test('an unedited post has editedAt null; dates given as strings are normalised', async (t) => {
    const view = postView(aPost({ editedAt: null, createdAt: '2025-03-01T11:00:00+01:00' as unknown as Date }), everyone);
    t.equal(view.editedAt, null);
    t.equal(view.createdAt, '2025-03-01T10:00:00.000Z');
  });

  t.test('a top-level post keeps parentId null, also as a tombstone', async (t) => {
    t.equal(postView(aPost({ parentId: null, depth: 0, path: ['42'] }), everyone).parentId, null);
    t.equal(postView(aPost({ parentId: null, depth: 0, path: ['42'], status: 'deleted' }), everyone).parentId, null);
  });

  t.test('tombstone() is what the public sees of a removed post', async (t) => {
    t.strictSame(tombstone(aPost({ status: 'spam', score: -3 })), tombstoneView);
  });
});

t.test('threadView', async (t) => {
  t.strictSame(threadView(aThread()), {
    id: '7',
    forumId: '3',
    identifier: 'blog/hello',
    url: 'https://example.com/blog/hello',
    title: 'Hello',
    status: 'open',
    lastSeq: 12,
    postCount: 4,
    createdAt: createdAt.toISOString(),
  });
  t.equal(threadView(aThread(), everyone).pendingCount, undefined, 'the public does not see how many posts wait');
  t.equal(threadView(aThread(), moderator).pendingCount, 1, 'moderators do');
});

t.test('forumView, userView and webhookView show no internals', async (t) => {
  const forum = { id: '3', slug: 'blog', name: 'Blog', settings: { ...defaultForumSettings }, shard: 2, postCount: 4, pendingCount: 1, createdAt };
  const { moderation, ...publicSettings } = defaultForumSettings;
  t.strictSame(forumView(forum), { id: '3', slug: 'blog', name: 'Blog', settings: publicSettings, postCount: 4, createdAt: createdAt.toISOString() }, 'no shard, no pending count, no rules');
  t.strictSame(forumView(forum, { moderator: true }).settings, { ...publicSettings, moderation }, 'its moderators see the rules');
  t.strictSame(userView({ id: '9', username: 'ada', createdAt }), { id: '9', username: 'ada', displayName: 'ada', avatarUrl: null, emailVerified: false, createdAt: createdAt.toISOString() });
  t.strictSame(
    userView({ id: '9', username: 'ada', createdAt, displayName: 'Ada L.', avatarUrl: 'https://example.com/a.png', emailVerified: true }),
    { id: '9', username: 'ada', displayName: 'Ada L.', avatarUrl: 'https://example.com/a.png', emailVerified: true, createdAt: createdAt.toISOString() },
    'the display name shows; no email',
  );
  const hook = { id: '5', forumId: '3', url: 'https://example.com/hook', events: ['PostCreated' as const], createdAt };
  t.strictSame(webhookView(hook), { id: '5', url: 'https://example.com/hook', events: ['PostCreated'], createdAt: createdAt.toISOString() }, 'no forum id (and never a secret)');
});

t.test('eventView', async (t) => {
  t.test('given a post created under pre-moderation, the public sees only that something is hidden', async (t) => {
    const event = makeEvent<PostCreated>('PostCreated', aPost({ status: 'pending', initialStatus: 'pending' }));
    t.strictSame(eventView(17, at, event, everyone), { seq: 17, type: 'hidden', postId: '42' });
    t.strictSame(eventView(17, at, event, moderator), { seq: 17, type: 'PostCreated', at: at.toISOString(), post: modView('pending') });
  });

  t.test('given a post marked spam, the public sees only that something is hidden', async (t) => {
    const event = makeEvent<PostMarkedSpam>('PostMarkedSpam', aPost({ status: 'spam' }));
    t.strictSame(eventView(18, at, event, everyone), { seq: 18, type: 'hidden', postId: '42' });
    t.strictSame(eventView(18, at, event, moderator), { seq: 18, type: 'PostMarkedSpam', at: at.toISOString(), post: modView('spam') });
  });

  t.test('given any post event about a pending or spam post, the public sees it hidden', async (t) => {
    const types = ['PostCreated', 'PostEdited', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored'] as const;
    for (const type of types) {
      for (const status of ['pending', 'spam'] as const) {
        const event = { type, version: 1, snapshot: aPost({ status }) } as ParleyEvent;
        t.strictSame(eventView(1, at, event, everyone), { seq: 1, type: 'hidden', postId: '42' }, `${type} of a ${status} post`);
        t.equal(eventView(1, at, event, moderator).type, type, `a moderator sees the ${type}`);
      }
    }
  });

  t.test('given a published post, the public sees the event with the full post', async (t) => {
    const event = makeEvent<PostCreated>('PostCreated', aPost());
    t.strictSame(eventView(19, at, event, everyone), { seq: 19, type: 'PostCreated', at: at.toISOString(), post: fullView('approved') });
  });

  t.test('given a deleted post, the public sees PostDeleted with a tombstone', async (t) => {
    const event = makeEvent<PostDeleted>('PostDeleted', aPost({ status: 'deleted' }));
    t.strictSame(eventView(20, at, event, everyone), { seq: 20, type: 'PostDeleted', at: at.toISOString(), post: tombstoneView });
    t.strictSame(visible(eventView(20, at, event, moderator)).post, modView('deleted'), 'a moderator sees the deleted content');
  });

  t.test('given a vote, only moderators see its value', async (t) => {
    const event = makeEvent<VoteCast>('VoteCast', { post: aPost(), value: -1, delta: -2 });
    const pub = eventView(21, at, event, everyone);
    t.strictSame(pub, { seq: 21, type: 'VoteCast', at: at.toISOString(), post: fullView('approved') });
    t.notOk('value' in pub, 'no value for the public');
    t.strictSame(eventView(21, at, event, moderator), { seq: 21, type: 'VoteCast', at: at.toISOString(), post: modView('approved'), value: -1 });
    const withdrawn = makeEvent<VoteCast>('VoteCast', { post: aPost(), value: 0, delta: 1 });
    t.equal(visible(eventView(22, at, withdrawn, moderator)).value, 0, 'a withdrawn vote shows as 0, not as missing');
  });

  t.test('given a new thread, the event carries the thread', async (t) => {
    const event = makeEvent<ThreadCreated>('ThreadCreated', aThread());
    for (const viewer of [everyone, moderator]) {
      t.strictSame(eventView(23, at, event, viewer), { seq: 23, type: 'ThreadCreated', at: at.toISOString(), thread: threadView(aThread()) });
    }
  });

  t.test('given an event about no post or thread, only its sequence, type and time', async (t) => {
    const event = makeEvent('UserRegistered', { id: '9', username: 'ada', createdAt });
    t.strictSame(eventView(24, at, event, everyone), { seq: 24, type: 'UserRegistered', at: at.toISOString() });
  });
});
