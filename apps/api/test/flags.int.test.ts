// Readers' reports (POST /v1/posts/:postId/flags): N distinct readers hold a published comment,
// one reader counts once, only published comments take reports, the report budget applies to
// everyone, and only the forum's moderators read the reports.
import t from 'tap';
import type { Config } from '@parley/data';
import { ADMIN_TOKEN, testApi, type TestApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';

const voter = (n: number) => ({ 'x-parley-voter': `reader-key-${String(n).padStart(8, '0')}` });

async function flag(api: TestApi, postId: string, who: { headers?: Record<string, string>; token?: string }, body: Record<string, unknown> = { reason: 'spam' }) {
  return api.req('POST', `/v1/posts/${postId}/flags`, { body, ...who });
}

async function setup(t: TapTest, settings?: Record<string, unknown>, overrides: Partial<Config> = {}) {
  const api = await testApi(t, overrides);
  const { forum, moderatorKey } = await api.forum(undefined, settings);
  const thread = await api.thread(forum.slug);
  const { post } = await api.post(thread.id, { message: 'a published comment' });
  const asModerator = async () => (await api.req('GET', `/v1/threads/${thread.id}/posts`, { token: moderatorKey })).body.posts.find((p: any) => p.id === post.id);
  const events = async (token?: string) => (await api.req('GET', `/v1/threads/${thread.id}/events?after=0`, { token })).body.events as any[];
  return { api, forum, moderatorKey, thread, post, asModerator, events };
}

async function user(api: TestApi, username: string): Promise<{ id: string; token: string }> {
  const r = await api.req('POST', '/v1/users', { body: { username, email: `${username}@example.com`, password: 'a long enough password' } });
  return { id: r.body.user.id, token: r.body.token };
}

t.test('distinct readers: the third report holds the comment, with its reason and events', async (t) => {
  const { api, thread, post, asModerator, events, moderatorKey } = await setup(t);
  const answers = [];
  for (const n of [1, 2]) answers.push(await flag(api, post.id, { headers: voter(n) }, { reason: 'abuse', note: `note ${n}` }));
  t.same(answers.map((a) => a.status), [201, 201]);
  t.same({ ...answers[0].body.flag, createdAt: typeof answers[0].body.flag.createdAt }, { reason: 'abuse', note: 'note 1', createdAt: 'string' }, 'the reader gets their report back');
  t.same([(await asModerator()).status, (await asModerator()).moderation.flagCount], ['approved', 2], 'two reports: still published');
  t.equal((await flag(api, post.id, { headers: voter(3) })).status, 201);
  const held = await asModerator();
  t.same([held.status, held.moderation.flagCount], ['pending', 3], 'the third holds it');
  t.same(held.moderation.reasons, [{ phase: 'flags', code: 'flagged', detail: '3 readers reported it' }]);
  t.notOk((await api.req('GET', `/v1/threads/${thread.id}/posts`)).body.posts.some((p: any) => p.id === post.id && p.status === 'approved'), 'the public no longer sees it published');

  const logged = (await events(moderatorKey)).filter((e) => e.post?.id === post.id).map((e) => e.type);
  t.same(logged, ['PostCreated', 'PostFlagged', 'PostFlagged', 'PostFlagged', 'PostHeld'], 'a PostFlagged per report, then PostHeld');
  const publicFlags = (await events()).filter((e) => e.type === 'PostFlagged');
  t.equal(publicFlags.length, 3, 'the public sees that reports came (each made while the comment was published)');
  t.ok(publicFlags.every((e) => e.post === undefined && Object.keys(e).sort().join() === 'at,seq,type'), 'without the comment, the reporter, the reason or the note');
  t.equal((await events()).filter((e) => e.type === 'hidden' && e.postId === post.id).length, 1, 'the hold reaches the public as hidden');

  t.equal((await flag(api, post.id, { headers: voter(4) })).status, 409, 'a held comment takes no more reports');
  t.equal((await api.req('POST', `/v1/posts/${post.id}/approve`, { token: moderatorKey })).status, 200);
  t.equal((await flag(api, post.id, { headers: voter(5) })).status, 201);
  t.same([(await asModerator()).status, (await asModerator()).moderation.flagCount], ['approved', 4], 'approved again by a moderator: a later report counts and does not hold it again');
});

t.test('one reader counts once, guest or user', async (t) => {
  const { api, post, asModerator, events, moderatorKey } = await setup(t);
  const first = await flag(api, post.id, { headers: voter(1) }, { reason: 'spam' });
  const again = await flag(api, post.id, { headers: voter(1) }, { reason: 'other', note: 'changed my mind' });
  t.same([first.status, again.status], [201, 200]);
  t.same(again.body, first.body, 'the second answers the first report, unchanged');
  const ann = await user(api, 'flag-ann');
  const byUser = [await flag(api, post.id, { token: ann.token }), await flag(api, post.id, { token: ann.token, headers: voter(9) })];
  t.same(byUser.map((r) => r.status), [201, 200], 'a user counts once, whatever voter key it also sends');
  t.equal((await asModerator()).moderation.flagCount, 2);
  t.equal((await events(moderatorKey)).filter((e) => e.type === 'PostFlagged').length, 2, 'repeats log nothing');
  const same = await Promise.all([3, 3, 3].map((n) => flag(api, post.id, { headers: voter(n) })));
  t.same(same.map((r) => r.status).sort(), [200, 200, 201], 'concurrent repeats: one counts');
  t.equal((await asModerator()).status, 'pending', 'and that third reader holds it');
});

t.test('only published comments take reports; nothing is kept of a refused one', async (t) => {
  const { api, thread, moderatorKey } = await setup(t, { preModeration: true });
  const { post } = await api.post(thread.id, { message: 'awaiting a moderator' });
  t.equal(post.status, 'pending');
  const refused = await flag(api, post.id, { headers: voter(1) });
  t.same([refused.status, refused.body.error.code], [409, 'invalid_transition']);
  t.same((await api.req('GET', `/v1/posts/${post.id}/flags`, { token: moderatorKey })).body.flags, [], 'the refused report was not stored');
  t.same((await flag(api, '999999999', { headers: voter(1) })).body.error.code, 'post_not_found');
  t.same((await flag(api, 'nope', { headers: voter(1) })).status, 400);
});

t.test('the forum setting: holdAfter, and reports turned off', async (t) => {
  const one = await setup(t, { moderation: { flags: { holdAfter: 1 } } });
  t.equal((await flag(one.api, one.post.id, { headers: voter(1) })).status, 201);
  t.equal((await one.asModerator()).status, 'pending', 'holdAfter 1: the first report holds it');
  const off = await setup(t, { moderation: { flags: { enabled: false } } });
  const refused = await flag(off.api, off.post.id, { headers: voter(1) });
  t.same([refused.status, refused.body.error.code], [403, 'flags_disabled']);
  const bad = await off.api.req('PATCH', `/v1/forums/${off.forum.slug}`, { token: ADMIN_TOKEN, body: { settings: { moderation: { flags: { holdAfter: 0 } } } } });
  t.same([bad.status, bad.body.error.code], [400, 'invalid_settings']);
});

t.test('bad reports are 4xx, never 500', async (t) => {
  const { api, post, moderatorKey } = await setup(t);
  t.equal((await flag(api, post.id, { headers: voter(1) }, { reason: 'boring' })).status, 400, 'an unknown reason');
  t.equal((await flag(api, post.id, { headers: voter(1) }, { reason: 'other', note: 'x'.repeat(501) })).status, 400, 'a note over 500 characters');
  t.equal((await flag(api, post.id, { headers: voter(1) }, { reason: 'other', extra: 1 })).status, 400, 'an unknown field');
  t.equal((await flag(api, post.id, {})).body.error.code, 'invalid_voter', 'a guest without a voter key');
  t.equal((await flag(api, post.id, { token: moderatorKey })).body.error.code, 'forbidden', 'the forum key is no reader');
  t.equal((await flag(api, post.id, { headers: voter(1) }, { reason: 'other', note: 'x'.repeat(500) })).status, 201, 'a note of 500 characters');
});

t.test('the report budget: per address, and moderators are exempt from nothing here', async (t) => {
  const { api, thread, forum } = await setup(t, undefined, { flagRatePerHour: 2 });
  const posts = [];
  for (let i = 0; i < 3; i++) posts.push((await api.post(thread.id, { message: `comment ${i}` })).post);
  const statuses = [];
  for (const [i, p] of posts.entries()) statuses.push(await flag(api, p.id, { headers: voter(i) }));
  t.same(statuses.map((r) => r.status), [201, 201, 429]);
  t.same([statuses[2].body.error.code, statuses[2].body.error.details.limit], ['rate_limited', 'flagPerAddress']);
  t.match(statuses[2].body.error.message, /Too many reports from your address; try again in \d+ s\./);

  const mod = await user(api, 'flag-mod');
  await api.req('PUT', `/v1/forums/${forum.slug}/roles/${mod.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } });
  const other = await testApi(t, { flagRatePerHour: 2 }, api.db);
  const byMod = [];
  for (const p of posts) byMod.push((await other.req('POST', `/v1/posts/${p.id}/flags`, { token: mod.token, body: { reason: 'spam' } })).status);
  t.same(byMod, [201, 201, 429], 'a moderator of the forum spends the budget too');
});

t.test("the reports are for the forum's moderators only", async (t) => {
  const { api, post, moderatorKey } = await setup(t);
  const ann = await user(api, 'flag-reader');
  await flag(api, post.id, { token: ann.token }, { reason: 'personal_info', note: 'my address' });
  await flag(api, post.id, { headers: voter(1) }, { reason: 'spam' });
  const seen = await api.req('GET', `/v1/posts/${post.id}/flags`, { token: moderatorKey });
  t.equal(seen.status, 200);
  t.same(seen.body.flags.map((f: any) => [f.reason, f.note, f.reporterUserId]).sort(), [['personal_info', 'my address', ann.id], ['spam', null, null]]);
  t.equal(seen.body.more, false);
  t.equal(seen.headers['cache-control'], 'no-store');
  t.equal((await api.req('GET', `/v1/posts/${post.id}/flags`)).status, 401);
  t.equal((await api.req('GET', `/v1/posts/${post.id}/flags`, { token: ann.token })).status, 403, 'a reader, even one who reported it');
  const { moderatorKey: otherKey } = await api.forum();
  t.equal((await api.req('GET', `/v1/posts/${post.id}/flags`, { token: otherKey })).status, 403, "another forum's key");
});
