// Realtime moderator subscriptions accept a moderator account's session, as a subscription's key
// or as the upgrade's bearer token, by the same rules as the API (@parley/access): a role in
// another forum admits nothing, and a removed role admits nothing from the next subscription on.
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { testRealtimeStack, wsClient, type Client, type Frame } from '../../../test/harness/realtime.ts';

const GOOD = 'https://good.example';

t.test("a moderator account's session subscribes as a moderator of its forums only", async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum(undefined, { preModeration: true, allowedOrigins: [GOOD] });
  const { forum: other } = await api.forum(undefined, { allowedOrigins: [GOOD] });
  const signUp = async (username: string) => (await api.req('POST', '/v1/users', { body: { username, email: `${username}@example.com`, password: 'a long enough password' } })).body;
  const mod = await signUp('rt-mod');
  const stranger = await signUp('rt-stranger');
  t.equal((await api.req('PUT', `/v1/forums/${forum.slug}/roles/${mod.user.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } })).status, 200);
  t.equal((await api.req('PUT', `/v1/forums/${other.slug}/roles/${stranger.user.id}`, { token: ADMIN_TOKEN, body: { role: 'owner' } })).status, 200);
  const thread = await api.thread(forum.slug);

  const byKey = await wsClient(t, wsUrl);
  t.match(await byKey.subscribe(thread.id, { key: mod.token }), { op: 'subscribed', moderator: true }, 'the session as the key, from no origin at all');
  const byHeader = await wsClient(t, wsUrl, { headers: { authorization: `Bearer ${mod.token}` } });
  t.match(await byHeader.subscribe(thread.id), { op: 'subscribed', moderator: true }, "the session as the upgrade's bearer token");

  const outsider = await wsClient(t, wsUrl, { origin: GOOD });
  t.match(await outsider.subscribe(thread.id, { key: stranger.token }), { op: 'error', code: 'unauthorized' }, 'an owner of another forum, as the key');
  const outsiderHeader = await wsClient(t, wsUrl, { origin: GOOD, headers: { authorization: `Bearer ${stranger.token}` } });
  t.match(await outsiderHeader.subscribe(thread.id), { op: 'subscribed', moderator: false }, 'as the token: public here');

  // a pending comment reaches the moderator account in full, the public as hidden
  const { post } = await api.post(thread.id, { message: 'wait for review' });
  const eventOf = async (c: Client): Promise<Frame> => {
    await c.reach(thread.id, Number(thread.lastSeq) + 1);
    return c.frames.filter((f) => f.op === 'events').flatMap((f) => f.events).find((e) => e.postId === post.id || e.post?.id === post.id);
  };
  t.match(await eventOf(byKey), { type: 'PostCreated', post: { id: post.id, status: 'pending' } });
  t.match(await eventOf(outsiderHeader), { type: 'hidden', postId: post.id });

  t.equal((await api.req('DELETE', `/v1/forums/${forum.slug}/roles/${mod.user.id}`, { token: ADMIN_TOKEN })).status, 204);
  const after = await wsClient(t, wsUrl, { origin: GOOD });
  t.match(await after.subscribe(thread.id, { key: mod.token }), { op: 'error', code: 'unauthorized' }, 'the removed role admits nothing');
});
