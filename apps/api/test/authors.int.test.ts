// Users, guests, edits, deletes and moderation: who may do what.
import t from 'tap';
import { ADMIN_TOKEN, testApi } from '../../../test/harness/app.ts';

t.test('users register, sign in, post, and edit only their own posts', async (t) => {
  const api = await testApi(t);
  const reg = await api.req('POST', '/v1/users', { body: { username: 'Alice', email: 'alice@example.com', password: 'correct horse' } });
  t.equal(reg.status, 201);
  t.match(reg.body.token, /^put_/);
  t.notOk(JSON.stringify(reg.body).includes('correct horse'));
  const dup = await api.req('POST', '/v1/users', { body: { username: 'alice', email: 'a2@example.com', password: 'another one' } });
  t.same([dup.status, dup.body.error.code], [409, 'username_taken'], 'usernames are unique regardless of case');
  const wrong = await api.req('POST', '/v1/sessions', { body: { username: 'alice', password: 'wrong password' } });
  t.same([wrong.status, wrong.body.error.code], [401, 'invalid_credentials']);
  const nobody = await api.req('POST', '/v1/sessions', { body: { username: 'nobody', password: 'wrong password' } });
  t.same([nobody.status, nobody.body.error.code], [401, 'invalid_credentials']);
  const login = await api.req('POST', '/v1/sessions', { body: { username: 'ALICE', password: 'correct horse' } });
  t.equal(login.status, 201);
  const alice = login.body.token;
  const bob = (await api.req('POST', '/v1/users', { body: { username: 'bob', email: 'bob@example.com', password: 'bobs password' } })).body.token;
  const { rows } = await api.db.exec({ area: 'accounts', mode: 'read' }, 'SELECT password_hash FROM users');
  t.ok(rows.every((r) => /^\$argon2id\$/.test(r.password_hash)), 'passwords are stored as argon2id hashes');

  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const { post, editToken } = await api.post(thread.id, { message: 'by alice' }, alice);
  t.equal(editToken, undefined, 'users need no edit token');
  t.same(post.author, { name: 'Alice' });
  const byBob = await api.req('PATCH', `/v1/posts/${post.id}`, { token: bob, body: { message: 'bob was here' } });
  t.same([byBob.status, byBob.body.error.code], [403, 'forbidden']);
  const byAlice = await api.req('PATCH', `/v1/posts/${post.id}`, { token: alice, body: { message: 'by alice, *edited*' } });
  t.equal(byAlice.status, 200);
  t.equal(byAlice.body.post.html, '<p>by alice, <em>edited</em></p>');
  t.equal(byAlice.body.post.revision, 2);
  t.type(byAlice.body.post.editedAt, 'string');
  const bobDeletes = await api.req('POST', `/v1/posts/${post.id}/delete`, { token: bob });
  t.same([bobDeletes.status, bobDeletes.body.error.code], [403, 'forbidden']);
  const aliceDeletes = await api.req('POST', `/v1/posts/${post.id}/delete`, { token: alice });
  t.same([aliceDeletes.status, aliceDeletes.body.post.status], [200, 'deleted'], 'an author may delete their own post');
  const aliceApproves = await api.req('POST', `/v1/posts/${post.id}/restore`, { token: alice });
  t.same([aliceApproves.status, aliceApproves.body.error.code], [403, 'forbidden'], 'but not restore it');
});

t.test('guests edit with their edit token, within the window only', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum('guests', { editWindowSeconds: 3600 });
  const thread = await api.thread(forum.slug);
  const one = await api.post(thread.id, { message: 'first' });
  const two = await api.post(thread.id, { message: 'second' });
  t.match(one.editToken, /^pet_/);
  const cross = await api.req('PATCH', `/v1/posts/${one.post.id}`, { token: two.editToken, body: { message: 'not mine' } });
  t.same([cross.status, cross.body.error.code], [403, 'forbidden'], "one post's token can't edit another");
  const own = await api.req('PATCH', `/v1/posts/${one.post.id}`, { token: one.editToken, body: { message: 'first, fixed' } });
  t.equal(own.status, 200);
  // close the window: the same token is now refused
  await api.req('PATCH', '/v1/forums/guests', { token: ADMIN_TOKEN, body: { settings: { editWindowSeconds: 0 } } });
  const late = await api.req('PATCH', `/v1/posts/${one.post.id}`, { token: one.editToken, body: { message: 'too late' } });
  t.same([late.status, late.body.error.code], [403, 'edit_window_closed']);
  const posting = await api.req('POST', `/v1/threads/${thread.id}/posts`, { token: one.editToken, body: { message: 'x', author: { name: 'a', email: 'a@example.com' } } });
  t.same([posting.status, posting.body.error.code], [403, 'forbidden'], 'an edit token is not a login');
});

t.test('moderation transitions follow the rules, per forum', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const other = await api.forum();
  const thread = await api.thread(forum.slug);
  const { post, editToken } = await api.post(thread.id, { message: 'hello' });
  const act = (action: string, token: string) => api.req('POST', `/v1/posts/${post.id}/${action}`, { token });
  t.same((await act('approve', other.moderatorKey)).body.error.code, 'forbidden', "forum B's key can't approve in forum A");
  t.same((await act('restore', moderatorKey)).body.error.code, 'invalid_transition', 'restore needs a deleted post');
  t.equal((await act('approve', moderatorKey)).body.post.status, 'approved');
  const again = await act('approve', moderatorKey);
  t.same([again.status, again.body.error.code], [409, 'invalid_transition'], 'approving twice is a conflict, not a second event');
  t.equal((await act('spam', moderatorKey)).body.post.status, 'spam');
  const editSpam = await api.req('PATCH', `/v1/posts/${post.id}`, { token: editToken, body: { message: 'sneaky' } });
  t.same([editSpam.status, editSpam.body.error.code], [409, 'invalid_transition'], 'spam is frozen');
  t.equal((await act('approve', moderatorKey)).body.post.status, 'approved');
  t.equal((await act('delete', moderatorKey)).body.post.status, 'deleted');
  t.equal((await act('restore', ADMIN_TOKEN)).body.post.status, 'approved', 'the admin moderates every forum');
  const noKey = await api.req('POST', `/v1/posts/${post.id}/spam`);
  t.same([noKey.status, noKey.body.error.code], [401, 'unauthorized']);
  const { rows } = await api.db.exec({ ...(await api.content({ postId: post.id })), mode: 'read' }, 'SELECT type FROM events WHERE post_id = $1 ORDER BY seq', [post.id]);
  t.same(rows.map((r) => r.type), ['PostCreated', 'PostApproved', 'PostMarkedSpam', 'PostApproved', 'PostDeleted', 'PostRestored'], 'one event per change, none for refusals');
});

t.test('votes: one per voter per post, changeable, withdrawable', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const { post } = await api.post(thread.id, { message: 'vote on me' });
  const alice = (await api.req('POST', '/v1/users', { body: { username: 'alice', email: 'a@example.com', password: 'password-1' } })).body.token;
  const vote = (value: number, opts: { token?: string; voter?: string }) =>
    api.req('PUT', `/v1/posts/${post.id}/vote`, { token: opts.token, headers: opts.voter ? { 'x-parley-voter': opts.voter } : {}, body: { value } });
  t.equal((await vote(1, { token: alice })).body.post.score, 1);
  t.equal((await vote(1, { token: alice })).body.post.score, 1, 'the same vote twice counts once');
  t.equal((await vote(-1, { token: alice })).body.post.score, -1, 'a changed vote moves the score by two');
  t.equal((await vote(1, { voter: 'guest-key-aaaaaaaaaaaa' })).body.post.score, 0);
  t.equal((await vote(0, { token: alice })).body.post.score, 1, 'withdrawn');
  const concurrent = await Promise.all(Array.from({ length: 10 }, () => vote(1, { voter: 'guest-key-bbbbbbbbbbbb' })));
  t.ok(concurrent.every((r) => r.status === 200));
  const { rows } = await api.db.exec({ ...(await api.content({ postId: post.id })), mode: 'read' }, 'SELECT score, (SELECT coalesce(sum(value), 0)::int FROM votes WHERE post_id = $1) AS sum FROM posts WHERE id = $1', [post.id]);
  t.same(rows[0], { score: 2, sum: 2 }, 'the score equals the sum of the votes, even under concurrency');
  await api.req('POST', `/v1/posts/${post.id}/delete`, { token: moderatorKey });
  const onDeleted = await vote(-1, { voter: 'guest-key-cccccccccccc' });
  t.same([onDeleted.status, onDeleted.body.error.code], [409, 'invalid_transition']);
  const asMod = await api.req('PUT', `/v1/posts/${post.id}/vote`, { token: moderatorKey, body: { value: 1 } });
  t.equal(asMod.status, 403);
});

t.test("a page carries each registered author's public profile, read from accounts; guests have none", async (t) => {
  const api = await testApi(t);
  const reg = await api.req('POST', '/v1/users', { body: { username: 'Carol', email: 'carol@example.com', password: 'carols password' } });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const mine = (await api.post(thread.id, { message: 'by carol' }, reg.body.token)).post;
  await api.post(thread.id, { message: 'by a guest', author: { name: 'Guest', email: 'guest@example.com' } });
  const page = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  const [carol, guest] = page.body.posts;
  t.equal(carol.id, mine.id);
  t.match(carol.author, { name: 'Carol', profile: { id: /^\d+$/, username: 'Carol', postCount: 0, since: /^\d{4}-\d\d-\d\dT/ } });
  t.same(Object.keys(carol.author.profile).sort(), ['avatarUrl', 'id', 'postCount', 'since', 'username'], 'a public profile: never the email');
  t.same(guest.author, { name: 'Guest' }, 'a guest has a name, no profile');
  t.notOk(JSON.stringify(page.body).includes('carol@example.com'), 'no email anywhere on the page');
});
