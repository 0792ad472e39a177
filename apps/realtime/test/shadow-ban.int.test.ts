// A shadow ban, from both sides. The author keeps seeing their comments as published: in the
// thread's pages (HTTP), in its event pages and live over realtime, with nothing that tells (status
// approved, no reasons). Everyone else, a signed-in reader and a guest, sees nothing: not in the
// pages, the events (`hidden`), realtime, the thread's postCount or the counts endpoint; and the
// shared page cache never holds the author's page.
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { testRealtimeStack, wsClient, type Frame } from '../../../test/harness/realtime.ts';
import { testWorker } from '../../../test/harness/worker.ts';

type Post = { id: string; status: string; html: string; moderation?: unknown; tombstone?: boolean };

t.test('a shadow-banned author sees their comments; nobody else does', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t, { moderationRules: true });
  const worker = await testWorker(t, api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug, 'shadow-page');
  const account = async (username: string) => {
    const r = await api.req('POST', '/v1/users', { body: { username, email: `${username}@example.com`, password: 'a long enough password' } });
    return { id: r.body.user.id as string, token: r.body.token as string };
  };
  const [sam, olive] = [await account('shadow-sam'), await account('shadow-olive')];

  // a published comment everyone sees (the moderator's, which no rule judges)
  const visible = (await api.post(thread.id, { message: 'welcome', author: { name: 'Mod', email: 'mod@example.com' } }, moderatorKey)).post;
  const ban = await api.req('POST', `/v1/forums/${forum.slug}/bans`, { token: moderatorKey, body: { kind: 'user', value: sam.id, mode: 'shadow', reason: 'troll' } });
  t.equal(ban.status, 201);

  // live: the author, another reader and a guest, subscribed before the author writes
  const samWs = await wsClient(t, wsUrl, { headers: { authorization: `Bearer ${sam.token}` } });
  const oliveWs = await wsClient(t, wsUrl, { headers: { authorization: `Bearer ${olive.token}` } });
  const guestWs = await wsClient(t, wsUrl);
  const modWs = await wsClient(t, wsUrl);
  // a browser cannot set the upgrade's Authorization: its subscription brings the session instead
  const samBrowser = await wsClient(t, wsUrl);
  for (const c of [samWs, oliveWs, guestWs]) t.equal((await c.subscribe(thread.id)).op, 'subscribed');
  t.match(await samBrowser.subscribe(thread.id, { session: sam.token }), { op: 'subscribed', moderator: false });
  const badSession = await wsClient(t, wsUrl);
  t.match(await badSession.subscribe(thread.id, { session: 42 }), { op: 'error', code: 'invalid_field' }, 'a session is a token');
  t.match(await modWs.subscribe(thread.id, { key: moderatorKey }), { op: 'subscribed', moderator: true });

  const written = await api.req('POST', `/v1/threads/${thread.id}/posts`, { token: sam.token, body: { message: 'my hidden words' } });
  t.equal(written.status, 201, JSON.stringify(written.body));
  const mine = written.body.post as Post;
  t.equal(mine.status, 'approved', 'the author is answered as if it were published');
  t.notOk('moderation' in mine, 'with no reasons');
  const stored = await api.db.exec({ ...(await api.content({ postId: mine.id })), mode: 'read', fresh: true }, 'SELECT status, moderation_reasons FROM posts WHERE id = $1', [mine.id]);
  t.match(stored.rows[0], { status: 'shadowed', moderation_reasons: [{ phase: 'bans', code: 'shadow_banned', detail: 'troll' }] }, 'stored shadowed, with the reason for moderators');
  const seq = written.body.post && (await api.req('GET', `/v1/threads/${thread.id}`)).body.thread.lastSeq;

  // realtime: the author gets the event as published; the others learn only that something is hidden
  const createdFor = (c: typeof samWs) => c.next((f: Frame) => f.op === 'events' && f.events.some((e: Frame) => e.seq === seq)).then((f) => f.events.find((e: Frame) => e.seq === seq));
  t.match(await createdFor(samWs), { type: 'PostCreated', post: { id: mine.id, status: 'approved', html: /my hidden words/ } }, 'the author, live');
  t.notOk((await createdFor(samWs).catch(() => undefined)), 'once');
  t.match(await createdFor(samBrowser), { type: 'PostCreated', post: { id: mine.id, status: 'approved' } }, 'the author, subscribed with their session');
  for (const [who, c] of [['another reader', oliveWs], ['a guest', guestWs]] as const) {
    t.strictSame(await createdFor(c), { seq, type: 'hidden', postId: mine.id }, `${who}, live: hidden`);
  }
  t.match(await createdFor(modWs), { type: 'PostCreated', post: { status: 'shadowed', moderation: { reasons: [{ code: 'shadow_banned' }] } } }, 'the moderator sees what it is');
  t.notMatch(JSON.stringify(oliveWs.frames) + JSON.stringify(guestWs.frames), /my hidden words/);

  // HTTP pages: a guest first (fills the shared cache), then the author, then the others again
  const page = async (token?: string) => api.req('GET', `/v1/threads/${thread.id}/posts`, { token });
  const ids = (r: { body: { posts: Post[] } }) => r.body.posts.map((p) => p.id);
  t.same(ids(await page()), [visible.id], 'a guest sees only the published comment');
  const own = await page(sam.token);
  t.same(ids(own), [visible.id, mine.id], 'the author sees theirs too');
  t.match(own.body.posts[1], { status: 'approved', html: /my hidden words/ });
  t.notOk('moderation' in own.body.posts[1]);
  t.match(own.headers['cache-control'], /private/, "the author's page is theirs alone");
  t.same(ids(await page()), [visible.id], "a guest after the author's read: the cache holds no shadowed post");
  t.same(ids(await page(olive.token)), [visible.id], 'another reader does not see it');
  for (const sort of ['newest', 'top']) t.same(ids(await api.req('GET', `/v1/threads/${thread.id}/posts?sort=${sort}`, { token: sam.token })).sort(), [visible.id, mine.id].sort(), `sort=${sort}`);

  // event pages
  const events = async (token?: string) => (await api.req('GET', `/v1/threads/${thread.id}/events?after=0`, { token })).body.events as Frame[];
  t.match((await events(sam.token)).find((e) => e.seq === seq), { type: 'PostCreated', post: { status: 'approved' } });
  t.strictSame((await events(olive.token)).find((e) => e.seq === seq), { seq, type: 'hidden', postId: mine.id });
  t.strictSame((await events()).find((e) => e.seq === seq), { seq, type: 'hidden', postId: mine.id });

  // counters, once the worker has run: the shadowed comment counts nowhere
  await worker.drain();
  t.equal((await api.req('GET', `/v1/threads/${thread.id}`)).body.thread.postCount, 1, "the thread's postCount");
  t.same((await api.req('POST', '/v1/counts', { body: { forum: forum.slug, identifiers: ['shadow-page'] } })).body.counts, { 'shadow-page': 1 }, 'the counts endpoint');

  // an edit by the author stays shadowed, and keeps looking published to them
  const edited = await api.req('PATCH', `/v1/posts/${mine.id}`, { token: sam.token, body: { message: 'my hidden words, edited' } });
  t.equal(edited.status, 200, JSON.stringify(edited.body));
  t.equal(edited.body.post.status, 'approved');
  const editSeq = seq + 1;
  t.match((await samWs.next((f: Frame) => f.op === 'events' && f.events.some((e: Frame) => e.seq === editSeq))).events[0], { type: 'PostEdited', post: { status: 'approved' } });
  t.strictSame((await guestWs.next((f: Frame) => f.op === 'events' && f.events.some((e: Frame) => e.seq === editSeq))).events[0], { seq: editSeq, type: 'hidden', postId: mine.id });

  // the author replies to their own shadowed comment as to any; nobody else can reply to it
  const reply = await api.req('POST', `/v1/threads/${thread.id}/posts`, { token: sam.token, body: { message: 'and a reply to myself', parentId: mine.id } });
  t.equal(reply.status, 201, JSON.stringify(reply.body));
  t.match(reply.body.post, { parentId: mine.id, status: 'approved' }, 'answered as published, stored shadowed');
  t.same(ids(await page(sam.token)), [visible.id, mine.id, reply.body.post.id], 'the author sees the reply in place');
  t.same(ids(await page()), [visible.id], 'the public sees neither');
  const foreign = await api.req('POST', `/v1/threads/${thread.id}/posts`, { token: olive.token, body: { message: 'replying to what I cannot see', parentId: mine.id } });
  t.same([foreign.status, foreign.body.error.code], [422, 'parent_not_visible'], 'another reader cannot reply to it');

  // the admin's instance-wide shadow ban works the same way on any forum
  t.equal((await api.req('POST', '/v1/admin/bans', { token: ADMIN_TOKEN, body: { kind: 'user', value: olive.id, mode: 'shadow' } })).status, 201);
  const hers = (await api.req('POST', `/v1/threads/${thread.id}/posts`, { token: olive.token, body: { message: 'olive too' } })).body.post as Post;
  t.equal(hers.status, 'approved');
  t.same(ids(await page(olive.token)), [visible.id, hers.id], 'olive sees her own, not sam\'s');
  t.same(ids(await page(sam.token)), [visible.id, mine.id, reply.body.post.id], 'sam sees his own, not olive\'s');
  t.same(ids(await page()), [visible.id]);
});
