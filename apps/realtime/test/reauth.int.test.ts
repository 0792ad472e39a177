// Moderator subscriptions follow revocation (apps/realtime/src/reauth.ts), over a real websocket:
// a subscription admitted with a session that signs out, with an account whose role is removed, or
// with a forum key that is rotated ends with a `credential_revoked` error frame within the re-check
// interval (1 s here); subscriptions whose credential still holds keep receiving, hidden events
// included.
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { testRealtimeStack, wsClient, type Client, type Frame } from '../../../test/harness/realtime.ts';

const GOOD = 'https://good.example';
/** the re-check interval (1 s) plus room for a busy machine */
const DEADLINE_MS = 5_000;

const revokedOn = (c: Client, threadId: string): Promise<Frame> =>
  c.next((f) => f.op === 'error' && f.threadId === threadId && f.code === 'credential_revoked', DEADLINE_MS);

t.test('a signed-out session, a removed role and a rotated key end their moderator subscriptions', async (t) => {
  const { api, wsUrl, httpUrl, realtime } = await testRealtimeStack(t, { realtimeReauthSeconds: 1 });
  const http = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(httpUrl + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true, allowedOrigins: [GOOD] });
  const thread = await api.thread(forum.slug);
  const signUp = async (username: string) => (await http('POST', '/v1/users', undefined, { username, email: `${username}@example.com`, password: 'a long enough password' })).body;
  const leaving = await signUp('rt-leaving');
  const demoted = await signUp('rt-demoted');
  const staying = await signUp('rt-staying');
  for (const u of [leaving, demoted, staying]) {
    t.equal((await http('PUT', `/v1/forums/${forum.slug}/roles/${u.user.id}`, ADMIN_TOKEN, { role: 'moderator' })).status, 200);
  }

  const bySession = await wsClient(t, wsUrl);
  t.match(await bySession.subscribe(thread.id, { key: leaving.token }), { op: 'subscribed', moderator: true });
  const byHeader = await wsClient(t, wsUrl, { origin: GOOD, headers: { authorization: `Bearer ${demoted.token}` } });
  t.match(await byHeader.subscribe(thread.id), { op: 'subscribed', moderator: true });
  const byKey = await wsClient(t, wsUrl);
  t.match(await byKey.subscribe(thread.id, { key: moderatorKey }), { op: 'subscribed', moderator: true });
  const stays = await wsClient(t, wsUrl);
  t.match(await stays.subscribe(thread.id, { key: staying.token }), { op: 'subscribed', moderator: true });
  const admin = await wsClient(t, wsUrl);
  t.match(await admin.subscribe(thread.id, { key: ADMIN_TOKEN }), { op: 'subscribed', moderator: true });
  t.equal(realtime.stats().subscriptions, 5);

  t.equal((await http('DELETE', '/v1/sessions/current', leaving.token)).status, 204, 'the session signs out');
  t.match(await revokedOn(bySession, thread.id), { message: /no longer moderates/ }, 'its subscription ends');

  t.equal((await http('DELETE', `/v1/forums/${forum.slug}/roles/${demoted.user.id}`, ADMIN_TOKEN)).status, 204, 'the role is removed');
  await revokedOn(byHeader, thread.id);
  t.match(await byHeader.subscribe(thread.id), { op: 'subscribed', moderator: false }, 'the same connection subscribes again, now as the public');

  const rotated = await http('POST', `/v1/forums/${forum.slug}/moderator-key`, ADMIN_TOKEN);
  t.equal(rotated.status, 201, 'the key is rotated');
  await revokedOn(byKey, thread.id);
  t.match(await byKey.subscribe(thread.id, { key: rotated.body.moderatorKey }), { op: 'subscribed', moderator: true }, 'the new key subscribes');

  // those whose credential holds were left alone, and still see what the public does not
  const { post } = await api.post(thread.id, { message: 'for review' });
  const next = Number(thread.lastSeq) + 1;
  const eventOf = async (c: Client): Promise<Frame> => {
    await c.reach(thread.id, next);
    return c.frames.filter((f) => f.op === 'events' && f.threadId === thread.id).flatMap((f) => f.events).find((e) => e.seq === next);
  };
  t.match(await eventOf(stays), { type: 'PostCreated', post: { id: post.id, status: 'pending' } }, 'a moderator whose role holds');
  t.match(await eventOf(admin), { type: 'PostCreated', post: { id: post.id, status: 'pending' } }, 'the admin token');
  t.match(await eventOf(byKey), { type: 'PostCreated', post: { id: post.id, status: 'pending' } }, 'the new key');
  t.match(await eventOf(byHeader), { type: 'hidden', postId: post.id }, 'the demoted account, subscribed again, as the public');
  t.notOk(bySession.frames.some((f) => f.op === 'events'), 'the signed-out session got nothing more');
  t.notOk(stays.frames.some((f) => f.op === 'error'), 'no error for those whose credential holds');
  t.equal(realtime.stats().subscriptions, 4);
});
