// The response schemas describe what the views really produce: every view of every post status,
// for both viewers, and every event type, passes its schema, which names all of its fields
// (closed objects). A field added to a view but not to its schema fails here, and would otherwise
// be dropped by fastify's serializer.
import t, { type Test } from 'tap';
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import {
  eventVersions,
  eventView,
  forumView,
  makeEvent,
  postStatuses,
  postView,
  threadView,
  userView,
  webhookView,
  defaultForumSettings,
  type EventType,
  type ParleyEvent,
} from '@parley/domain';
import {
  EventPageSchema,
  EventViewSchema,
  ForumViewSchema,
  PostPageSchema,
  PostViewSchema,
  renderEventPage,
  renderPostPage,
  ThreadViewSchema,
  UserViewSchema,
  WebhookViewSchema,
} from '@parley/read';
import { aPost, aThread, createdAt } from '../../domain/test/fixtures.ts';

const viewers = [{ moderator: true }, { moderator: false }];
const at = new Date('2025-03-02T08:00:00.000Z');

function valid(t: Test, schema: TSchema, value: unknown, what: string): void {
  const errors = [...Value.Errors(schema, value)].map((e) => `${e.instancePath} ${e.message}`);
  t.same(errors, [], what);
}

const eventOf = (type: EventType): ParleyEvent => {
  const post = aPost();
  const thread = aThread();
  switch (type) {
    case 'ThreadCreated': return makeEvent(type, thread);
    case 'VoteCast': return makeEvent(type, { post, value: -1, delta: -1 });
    case 'PostFlagged': return makeEvent(type, { post, reason: 'spam' });
    case 'ForumCreated':
    case 'ForumUpdated':
      return makeEvent(type, { id: '3', slug: 'blog', name: 'Blog', settings: { ...defaultForumSettings }, shard: 0, postCount: 1, pendingCount: 0, createdAt });
    case 'UserRegistered':
    case 'UserUpdated':
    case 'UserEmailVerified':
    case 'UserPasswordReset':
      return makeEvent(type, { id: '9', username: 'ada', createdAt });
    case 'WebhookCreated':
    case 'WebhookDeleted':
      return makeEvent(type, { id: '5', forumId: '3', url: 'https://example.com/hook', events: ['PostCreated'], createdAt });
    case 'WebhookReplayRequested': return makeEvent(type, { webhookId: '5', eventId: '11' });
    case 'ForumRoleGranted':
    case 'ForumRoleRevoked':
      return makeEvent(type, { forumId: '3', userId: '9', role: 'moderator', grantedBy: 'user:8', createdAt });
    case 'ForumInviteCancelled': return makeEvent(type, { forumId: '3', inviteId: 'AAAAAAAAAAAAAAAA', role: 'moderator' });
    case 'UserForumLinked':
    case 'UserForumUnlinked':
      return makeEvent(type, { userId: '9', forumId: '3', linkedBy: 'admin', createdAt });
    case 'BanCreated':
    case 'BanLifted':
      return makeEvent(type, { id: '4', forumId: '3', kind: 'user', value: '9', postId: null, mode: 'shadow', reason: 'r', expiresAt: null, createdBy: 'admin', createdAt, liftedAt: null, liftedBy: null, retroactive: false, retro: null });
    case 'UserErased': return makeEvent(type, { userId: '9', erasureId: '2' });
    case 'GuestErasureRequested': return makeEvent(type, { erasureId: '2' });
    case 'PasswordResetRequested': return makeEvent(type, { email: 'ada@example.com' });
    case 'AccountEmailRequested':
      return makeEvent(type, { kind: 'verify_email', tokenId: 'tok', userId: '9', email: 'ada@example.com', name: 'ada', expiresAt: createdAt, forumId: null });
    default: return makeEvent(type, post);
  }
};

t.test('every post view, of every status and for either viewer, matches PostViewSchema', async (t) => {
  for (const status of postStatuses) {
    for (const viewer of viewers) {
      valid(t, PostViewSchema, postView(aPost({ status }), viewer), `${status}, moderator: ${viewer.moderator}`);
      valid(t, PostViewSchema, postView(aPost({ status, parentId: null, depth: 0, editedAt: null }), viewer), `${status} at the top, unedited`);
    }
  }
});

t.test('a field the schema does not name fails it', async (t) => {
  t.notOk(Value.Check(PostViewSchema, { ...postView(aPost(), { moderator: true }), message: 'raw' }));
  t.notOk(Value.Check(PostViewSchema, { ...postView(aPost(), { moderator: true }), status: 'gone' }));
});

t.test('thread, forum, user and webhook views match their schemas', async (t) => {
  for (const viewer of viewers) valid(t, ThreadViewSchema, threadView(aThread(), viewer), `thread, moderator: ${viewer.moderator}`);
  valid(t, ThreadViewSchema, threadView(aThread({ url: null, title: null })), 'a thread without url and title');
  const forum = { id: '3', slug: 'blog', name: 'Blog', settings: { ...defaultForumSettings, allowedOrigins: ['https://example.com'] }, shard: 0, postCount: 1, pendingCount: 2, createdAt };
  valid(t, ForumViewSchema, forumView(forum), 'forum');
  valid(t, UserViewSchema, userView({ id: '9', username: 'ada', createdAt }), 'user');
  valid(t, WebhookViewSchema, webhookView({ id: '5', forumId: '3', url: 'https://example.com/hook', events: ['PostCreated', 'VoteCast'], createdAt }), 'webhook');
});

t.test('every event type, for either viewer, matches EventViewSchema', async (t) => {
  for (const type of Object.keys(eventVersions) as EventType[]) {
    for (const viewer of viewers) valid(t, EventViewSchema, eventView(7, at, eventOf(type), viewer), `${type}, moderator: ${viewer.moderator}`);
  }
  valid(t, EventViewSchema, eventView(8, at, makeEvent('PostCreated', aPost({ status: 'pending' })), { moderator: false }), 'a hidden event');
});

t.test('a rendered page is its JSON, and matches its page schema', async (t) => {
  const page = { posts: [postView(aPost(), { moderator: false }), postView(aPost({ id: '43', status: 'spam' }), { moderator: false })], nextCursor: 'abc' };
  const bytes = renderPostPage(page);
  t.equal(bytes, JSON.stringify(page));
  valid(t, PostPageSchema, JSON.parse(bytes), 'post page');
  t.equal(JSON.parse(bytes).posts[1].tombstone, true, 'the tombstone flag survives');
  valid(t, PostPageSchema, { posts: [], nextCursor: null }, 'an empty last page');
  const events = { events: (['PostCreated', 'VoteCast', 'ThreadCreated'] as const).map((type, i) => eventView(i + 1, at, eventOf(type), { moderator: true })), nextAfter: 3 };
  valid(t, EventPageSchema, JSON.parse(renderEventPage(events)), 'event page');
  t.equal(JSON.parse(renderEventPage(events)).events[1].value, -1, "a vote's value reaches moderators");
});
