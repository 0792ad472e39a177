// The moderation queue, live, over a real websocket: a moderator following a forum's queue sees a
// held comment appear (written in any thread) and leave when another moderator approves it, bulk
// actions included; a lost publish is repaired from the log; anyone but the forum's moderators is
// refused; and a removed role ends the queue subscription as it ends a thread's.
import t from 'tap';
import type { ThreadEvent } from '@parley/data';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { testRedis } from '../../../test/harness/redis.ts';
import { until } from '../../../test/harness/until.ts';
import { testRealtimeStack, wsClient, type Client, type Frame } from '../../../test/harness/realtime.ts';

const DEADLINE_MS = 5_000;

const subscribeQueue = (c: Client, forum: string, key?: string): Promise<Frame> => {
  c.ws.send(JSON.stringify({ op: 'subscribeQueue', forum, ...(key ? { key } : {}) }));
  return c.next((f) => f.forum === forum && ['queueSubscribed', 'error'].includes(f.op));
};

/** changes already returned by changeOf, per client (one frame may carry several changes) */
const returned = new WeakMap<Client, Set<Frame>>();

/** The first change about this post (from the start) that no earlier call returned, and matching `pred`. */
const changeOf = (c: Client, postId: string, pred: (ch: Frame) => boolean = () => true): Promise<Frame> => {
  const done = returned.get(c) ?? new Set<Frame>();
  returned.set(c, done);
  return until(`a queue change of post ${postId}`, DEADLINE_MS, async () => {
    const ch = changesOf(c).find((x) => x.item.id === postId && !done.has(x) && pred(x));
    if (ch) done.add(ch);
    return ch;
  });
};

const changesOf = (c: Client): Frame[] => c.frames.filter((f) => f.op === 'queue').flatMap((f) => f.changes);

async function signUp(api: { req: (m: string, p: string, o: { body?: unknown; token?: string }) => Promise<{ body: any }> }, username: string) {
  return (await api.req('POST', '/v1/users', { body: { username, email: `${username}@example.com`, password: 'a long enough password' } })).body as { user: { id: string }; token: string };
}

/** the sweep (and so the queue's repair read) as good as off: whatever arrives came by the bus */
const NO_SWEEP_MS = 600_000;

for (const mode of ['embedded', 'redis'] as const) t.test(`${mode}: a second moderator sees a held comment appear, and leave when approved`, async (t) => {
  const redisUrl = mode === 'redis' ? (await testRedis(t)).url : undefined;
  const { api, wsUrl } = await testRealtimeStack(t, { realtimeSweepMs: NO_SWEEP_MS, ...(redisUrl ? { redisUrl } : {}) });
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const slug = forum.slug as string;
  const mod = await signUp(api, 'rtq-mod');
  t.equal((await api.req('PUT', `/v1/forums/${slug}/roles/${mod.user.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } })).status, 200);

  const watcher = await wsClient(t, wsUrl);
  t.same(await subscribeQueue(watcher, slug, mod.token), { op: 'queueSubscribed', forum: slug }, "a moderator account's session");
  const byKey = await wsClient(t, wsUrl, { headers: { authorization: `Bearer ${moderatorKey}` } });
  t.same(await subscribeQueue(byKey, slug), { op: 'queueSubscribed', forum: slug }, "the forum's key, as the upgrade's bearer token");

  // a held comment, in a thread nobody subscribed to
  const thread = await api.thread(slug);
  const { post } = await api.post(thread.id, { message: 'please review me', author: { name: 'Gus', email: 'gus@example.com' } });
  const appeared = await changeOf(watcher, post.id);
  t.match(appeared, {
    type: 'PostCreated', actor: /^guest:|^public/,
    item: { id: post.id, status: 'pending', queue: 'pending', threadId: thread.id, thread: { identifier: thread.identifier }, authorEmail: 'gus@example.com', moderation: { reasons: [], flagCount: 0 } },
  }, 'it appears, as the queue lists it');
  t.match(await changeOf(byKey, post.id), { item: { queue: 'pending' } }, 'to every moderator following');

  // the key approves it: it leaves the queue
  t.equal((await api.req('POST', `/v1/posts/${post.id}/approve`, { token: moderatorKey })).status, 200);
  t.match(await changeOf(watcher, post.id, (ch) => ch.type === 'PostApproved'), { actor: `moderator:${forum.id}`, item: { status: 'approved', queue: null } }, 'it leaves');

  // an approved comment is nobody's business here; a bulk action is one change per post
  const quiet = (await api.post(thread.id, { message: 'by a moderator', author: { name: 'Mod', email: 'mod@example.com' } }, moderatorKey)).post;
  const held = [];
  for (let i = 0; i < 3; i++) held.push((await api.post(thread.id)).post.id);
  for (const id of held) await changeOf(watcher, id);
  const bulk = await api.req('POST', `/v1/forums/${slug}/queue/actions`, { token: mod.token, body: { action: 'spam', postIds: held } });
  t.equal(bulk.status, 200);
  for (const id of held) t.match(await changeOf(watcher, id, (ch) => ch.type === 'PostMarkedSpam'), { actor: `user:${mod.user.id}`, item: { queue: 'spam' } });
  t.notOk(changesOf(watcher).some((ch) => ch.item.id === quiet.id), 'a published comment without flags never reaches the queue');

  t.same(await (async () => {
    watcher.ws.send(JSON.stringify({ op: 'unsubscribeQueue', forum: slug }));
    return watcher.next((f) => f.op === 'queueUnsubscribed');
  })(), { op: 'queueUnsubscribed', forum: slug });
  const after = (await api.post(thread.id)).post;
  await changeOf(byKey, after.id);
  t.notOk(changesOf(watcher).some((ch) => ch.item.id === after.id), 'nothing after unsubscribing');
});

t.test('a lost publish is repaired from the log', async (t) => {
  const drop = { rule: (_e: ThreadEvent) => false };
  const { api, wsUrl } = await testRealtimeStack(t, {}, { publisher: { drop: (e) => drop.rule(e) } });
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const watcher = await wsClient(t, wsUrl);
  t.match(await subscribeQueue(watcher, forum.slug, moderatorKey), { op: 'queueSubscribed' });
  const thread = await api.thread(forum.slug);
  drop.rule = (e) => e.forumId === forum.id;
  const lost = (await api.post(thread.id, { message: 'published to nobody' })).post;
  t.match(await changeOf(watcher, lost.id), { type: 'PostCreated', item: { queue: 'pending' } }, 'it arrives within a sweep');
  t.equal((await api.req('POST', `/v1/posts/${lost.id}/approve`, { token: moderatorKey })).status, 200);
  t.match(await changeOf(watcher, lost.id, (ch) => ch.type === 'PostApproved'), { item: { queue: null } }, 'and leaves');
  t.equal(changesOf(watcher).filter((ch) => ch.item.id === lost.id).length, 2, 'each change once, though the sweep reads the log again and again');
});

t.test('only the forum\'s moderators follow its queue', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t, { realtimeReauthSeconds: 1 });
  const { forum } = await api.forum(undefined, { preModeration: true });
  const other = await api.forum();
  const slug = forum.slug as string;
  const [mod, nobody] = [await signUp(api, 'rtq-mod2'), await signUp(api, 'rtq-nobody')];
  t.equal((await api.req('PUT', `/v1/forums/${slug}/roles/${mod.user.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } })).status, 200);

  const c = await wsClient(t, wsUrl);
  t.match(await subscribeQueue(c, slug), { op: 'error', code: 'unauthorized', forum: slug }, 'no credential');
  t.match(await subscribeQueue(c, slug, nobody.token), { op: 'error', code: 'unauthorized', forum: slug }, 'an account without a role');
  t.match(await subscribeQueue(c, slug, other.moderatorKey), { op: 'error', code: 'unauthorized', forum: slug }, "another forum's key");
  t.match(await subscribeQueue(c, 'no-such-forum', ADMIN_TOKEN), { op: 'error', code: 'forum_not_found' });
  const publicByHeader = await wsClient(t, wsUrl, { headers: { authorization: `Bearer ${nobody.token}` } });
  t.match(await subscribeQueue(publicByHeader, slug), { op: 'error', code: 'unauthorized' }, "a non-moderator's bearer token");
  c.ws.send(JSON.stringify({ op: 'subscribeQueue' }));
  t.match(await c.next((f) => f.op === 'error' && f.code === 'invalid_field'), { code: 'invalid_field' }, 'no forum');
  c.ws.send(JSON.stringify({ op: 'subscribeQueue', forum: slug, threadId: '1' }));
  t.match(await c.next((f) => f.op === 'error' && f.code === 'unknown_field'), { code: 'unknown_field' });

  const held = await wsClient(t, wsUrl);
  t.match(await subscribeQueue(held, slug, mod.token), { op: 'queueSubscribed' });
  const witness = await wsClient(t, wsUrl);
  t.match(await subscribeQueue(witness, slug, ADMIN_TOKEN), { op: 'queueSubscribed' }, 'the admin token (configuration: never re-checked)');
  t.match(await subscribeQueue(held, slug, mod.token), { op: 'error', code: 'already_subscribed' });
  t.match(await subscribeQueue(held, slug, ADMIN_TOKEN), { op: 'error', code: 'already_subscribed' }, 'one per forum and connection');
  // the role goes: the queue subscription ends within the re-check
  t.equal((await api.req('DELETE', `/v1/forums/${slug}/roles/${mod.user.id}`, { token: ADMIN_TOKEN })).status, 204);
  t.match(await held.next((f) => f.op === 'error' && f.code === 'credential_revoked', DEADLINE_MS), { forum: slug }, 'credential_revoked, with the forum');
  const thread = await api.thread(slug);
  const { post } = await api.post(thread.id);
  await changeOf(witness, post.id);
  t.match(await subscribeQueue(held, slug, mod.token), { op: 'error', code: 'unauthorized' }, 'and it is not admitted again');
  t.notOk(changesOf(held).some((ch) => ch.item.id === post.id), 'nothing reaches it after (a subscription still in place got the change)');
});
