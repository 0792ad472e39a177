// Readers' reports: the view moderators get (a user by id, a guest as nobody), the reason a hold
// records, the forum setting's defaults and bounds, and what the public sees of a PostFlagged event.
import t from 'tap';
import { checkModerationSettings, defaultModerationSettings, eventView, flaggedReason, flagView, makeEvent, mergeModerationSettings, type PostFlagged } from '@parley/domain';
import { aPost } from './fixtures.ts';

const createdAt = new Date('2026-12-07T18:00:00.000Z');

t.test('given a report, moderators see its reporter as a user id, and a guest as none', async (t) => {
  t.same(flagView({ postId: '1', reporter: 'user:42', reason: 'abuse', note: 'n', createdAt }), { reason: 'abuse', note: 'n', createdAt: createdAt.toISOString(), reporterUserId: '42' });
  t.same(flagView({ postId: '1', reporter: 'guest:0123abcd', reason: 'spam', note: null, createdAt }).reporterUserId, null);
});

t.test('a hold by reports records the flags phase', async (t) => {
  t.same(flaggedReason(3), { phase: 'flags', code: 'flagged', detail: '3 readers reported it' });
});

t.test('the setting: on, after 3, by default; holdAfter 1 to 1000', async (t) => {
  t.same(defaultModerationSettings.flags, { enabled: true, holdAfter: 3 });
  t.same(mergeModerationSettings(undefined, { flags: { holdAfter: 5 } }).flags, { enabled: true, holdAfter: 5 }, 'a change keeps the other field');
  for (const holdAfter of [0, 1001, 2.5]) t.throws(() => checkModerationSettings(mergeModerationSettings(undefined, { flags: { holdAfter } })), /flags\.holdAfter/, `holdAfter ${holdAfter}`);
  t.throws(() => checkModerationSettings(mergeModerationSettings(undefined, { flags: { enabled: 'yes' as never } })), /flags\.enabled/);
});

t.test('given a PostFlagged event, the public learns that a report came, not about which comment', async (t) => {
  const event = makeEvent<PostFlagged>('PostFlagged', { post: aPost(), reason: 'spam' });
  t.strictSame(eventView(5, createdAt, event, { moderator: false }), { seq: 5, type: 'PostFlagged', at: createdAt.toISOString() });
  t.equal((eventView(5, createdAt, event, { moderator: true }) as { post?: { id: string } }).post?.id, aPost().id, 'moderators get the comment');
});
