// The guest policy over real HTTP: a forum decides whether readers who are not signed in may post
// (guestsMayPost) and whether a guest must give an email (guestEmailRequired). A field left out
// is "missing" (name_required, email_required), a different answer from a wrong one (invalid_email).
import t from 'tap';
import { overHttp, testApi } from '../../../test/harness/app.ts';

t.test('guests: allowed, email required (the default)', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const post = (author?: Record<string, string>) => http('POST', `/v1/threads/${thread.id}/posts`, { message: 'hello', ...(author ? { author } : {}) });

  t.equal((await post({ name: 'Ann', email: 'ann@example.com' })).status, 201, 'a guest with name and email posts');
  const missing = await post({ name: 'Ann', email: '' });
  t.same([missing.status, missing.body.error.code], [400, 'email_required'], 'an empty email is missing, not wrong');
  t.match(missing.body.error.message, /missing/, 'and says so');
  t.equal((await post({ name: 'Ann' })).body.error.code, 'email_required', 'a left-out email too');
  t.equal((await post({ name: 'Ann', email: 'nope' })).body.error.code, 'invalid_email', 'a wrong one is wrong');
  t.equal((await post({ name: ' ', email: 'ann@example.com' })).body.error.code, 'name_required', 'a blank name is missing');
  t.equal((await post()).body.error.code, 'invalid_author', 'no author at all');
});

t.test('guests: allowed, email optional', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum } = await api.forum(undefined, { guestEmailRequired: false });
  t.equal(forum.settings.guestEmailRequired, false, 'the setting is shown');
  const thread = await api.thread(forum.slug);
  const post = (author: Record<string, string>) => http('POST', `/v1/threads/${thread.id}/posts`, { message: 'hello', author });
  const blank = await post({ name: 'Ann', email: '' });
  t.equal(blank.status, 201, 'a blank email is fine');
  t.equal(blank.body.post.author.name, 'Ann');
  const [row] = await api.everywhere('SELECT author_email FROM posts WHERE id = $1', [blank.body.post.id]);
  t.equal(row.author_email, null, 'and stored as none');
  t.equal((await post({ name: 'Ann' })).status, 201, 'so is a left-out one');
  t.equal((await post({ name: 'Ann', email: 'nope' })).body.error.code, 'invalid_email', 'a given email is still checked');
});

t.test('guests may not post: sign in first', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum(undefined, { guestsMayPost: false });
  const thread = await api.thread(forum.slug);
  const path = `/v1/threads/${thread.id}/posts`;
  const guest = await http('POST', path, { message: 'hello', author: { name: 'Ann', email: 'ann@example.com' } });
  t.same([guest.status, guest.body.error.code], [401, 'sign_in_required'], 'a guest is asked to sign in');
  t.equal((await http('POST', path, { message: 'hello' })).body.error.code, 'sign_in_required', 'so is a reader without a name');

  const user = await http('POST', '/v1/users', { username: 'policy-ada', email: 'ada@example.com', password: 'a long enough password' });
  const mine = await http('POST', path, { message: 'signed in' }, user.body.token);
  t.equal(mine.status, 201, 'a signed-in reader posts');
  t.equal(mine.body.post.author.name, 'policy-ada');
  const mod = await http('POST', path, { message: 'from the site', author: { name: 'The editors', email: 'ed@example.com' } }, moderatorKey);
  t.equal(mod.status, 201, 'the moderator key still posts, named');

  const patched = await http('PATCH', `/v1/forums/${forum.slug}`, { settings: { guestsMayPost: true } }, moderatorKey);
  t.equal(patched.body.forum.settings.guestsMayPost, true, 'the policy can be changed');
  t.equal((await http('POST', path, { message: 'hello', author: { name: 'Ann', email: 'ann@example.com' } })).status, 201, 'and guests post again');
  t.equal((await http('PATCH', `/v1/forums/${forum.slug}`, { settings: { guestsMayPost: 'no' } }, moderatorKey)).status, 400, 'a setting of the wrong type is refused');
});
