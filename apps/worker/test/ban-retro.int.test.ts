// The retroactive ban job, from the API's 201 to the hidden comments: the BanCreated event becomes
// one job; each of the author's comments in the forum is hidden by its own statement and event
// (PostMarkedSpam for a ban, PostShadowed for a shadow ban, actor `ban:<id>`, reason
// retroactive_ban); progress shows in GET .../bans/:id; other authors and other forums are left
// alone, and the whole instance for the admin's ban; a second run changes nothing; a ban lifted
// before the job ran hides nothing.
import t from 'tap';
import { ADMIN_TOKEN, testApi, type TestApi } from '../../../test/harness/app.ts';
import { testWorker } from '../../../test/harness/worker.ts';
import { runBanRetro } from '../src/bans/job.ts';

const statusOf = async (api: TestApi, postId: string) =>
  (await api.db.exec({ ...(await api.content({ postId })), mode: 'read', fresh: true }, 'SELECT status, moderation_reasons FROM posts WHERE id = $1', [postId])).rows[0];

const eventsBy = (api: TestApi, actor: string) =>
  api.everywhere('SELECT type, post_id::text AS post_id FROM events WHERE actor = $1 ORDER BY id', [actor]);

t.test("a retroactive ban hides the author's comments in the forum, each with its event", async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const a = await api.forum();
  const b = await api.forum();
  const [ta, tb] = [await api.thread(a.forum.slug), await api.thread(b.forum.slug)];
  const sam = (await api.req('POST', '/v1/users', { body: { username: 'retro-sam', email: 'sam@example.com', password: 'a long enough password' } })).body;
  const samsInA: string[] = [];
  for (let i = 0; i < 3; i++) samsInA.push((await api.post(ta.id, {}, sam.token)).post.id as string);
  const samsInB = (await api.post(tb.id, {}, sam.token)).post.id as string;
  const guests = [(await api.post(ta.id, { author: { name: 'G', email: 'Gus@Example.com' } })).post.id, (await api.post(ta.id, { author: { name: 'G', email: 'gus@example.com' } })).post.id];
  const bystander = (await api.post(ta.id, { author: { name: 'B', email: 'b@example.com' } })).post.id as string;
  // one of sam's comments is deleted already: not the job's to touch
  await api.req('POST', `/v1/posts/${samsInA[2]}/delete`, { token: a.moderatorKey });

  const made = await api.req('POST', `/v1/forums/${a.forum.slug}/bans`, { token: a.moderatorKey, body: { kind: 'user', value: sam.user.id, retroactive: true, reason: 'spammer' } });
  t.equal(made.status, 201, JSON.stringify(made.body));
  const ban = made.body.bans[0];
  t.match(ban, { retroactive: true, retro: { status: 'queued', hidden: 0, total: null } });

  await worker.drain();
  const after = (await api.req('GET', `/v1/forums/${a.forum.slug}/bans/${ban.id}`, { token: a.moderatorKey })).body.ban;
  t.match(after.retro, { status: 'done', hidden: 2, total: 2 }, 'progress: every comment it found, hidden');
  for (const id of samsInA.slice(0, 2)) {
    t.match(await statusOf(api, id), { status: 'spam', moderation_reasons: [{ phase: 'bans', code: 'retroactive_ban', detail: 'spammer' }] });
  }
  t.equal((await statusOf(api, samsInA[2])).status, 'deleted', 'a deleted comment stays deleted');
  t.equal((await statusOf(api, samsInB)).status, 'approved', 'another forum is not touched');
  t.equal((await statusOf(api, bystander)).status, 'approved', 'nor another author');
  t.same((await eventsBy(api, `ban:${ban.id}`)).map((e) => [e.type, e.post_id]), samsInA.slice(0, 2).map((id) => ['PostMarkedSpam', id]), 'one event per hidden comment');
  const page = await api.req('GET', `/v1/threads/${ta.id}/posts`);
  t.notOk(page.body.posts.some((p: { id: string }) => samsInA.includes(p.id)), 'the public no longer sees them');

  // run again (a retried job): nothing more happens
  t.same(await runBanRetro({ db: api.db, locator: worker.runtime.ctx.locator, log: () => {} }, ban.id), { hidden: 0, found: 0 });
  await api.db.exec({ area: 'forums', mode: 'write' }, `UPDATE bans SET retro_status = 'running' WHERE id = $1`, [ban.id]);
  t.same(await runBanRetro({ db: api.db, locator: worker.runtime.ctx.locator, log: () => {} }, ban.id), { hidden: 0, found: 0 }, 'a resumed job finds nothing left');
  t.equal((await eventsBy(api, `ban:${ban.id}`)).length, 2);

  // a shadow ban by email (any case): the guest's comments are shadowed, with PostShadowed
  const shadow = (await api.req('POST', `/v1/forums/${a.forum.slug}/bans`, { token: a.moderatorKey, body: { kind: 'email', value: 'GUS@example.com', mode: 'shadow', retroactive: true } })).body.bans[0];
  await worker.drain();
  for (const id of guests) t.equal((await statusOf(api, id)).status, 'shadowed');
  t.same((await eventsBy(api, `ban:${shadow.id}`)).map((e) => e.type), ['PostShadowed', 'PostShadowed']);

  // the admin's instance ban reaches every forum
  const everywhere = (await api.req('POST', '/v1/admin/bans', { token: ADMIN_TOKEN, body: { kind: 'user', value: sam.user.id, retroactive: true } })).body.bans[0];
  await worker.drain();
  t.equal((await statusOf(api, samsInB)).status, 'spam', "sam's comment in the other forum too");
  t.match((await api.req('GET', `/v1/admin/bans/${everywhere.id}`, { token: ADMIN_TOKEN })).body.ban.retro, { status: 'done', hidden: 1 });
});

t.test('an address range ban; a ban lifted before its job ran hides nothing', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const inside = (await api.post(thread.id)).post.id as string;
  const outside = (await api.post(thread.id)).post.id as string;
  const setIp = async (id: string, ip: string) =>
    api.db.exec({ ...(await api.content({ postId: id })), mode: 'write' }, 'UPDATE posts SET author_ip = $2 WHERE id = $1', [id, ip]);
  await setIp(inside, '203.0.113.9');
  await setIp(outside, '198.51.100.9');

  const lifted = (await api.req('POST', `/v1/forums/${forum.slug}/bans`, { token: moderatorKey, body: { kind: 'range', value: '203.0.113.0/24', retroactive: true } })).body.bans[0];
  t.equal((await api.req('DELETE', `/v1/forums/${forum.slug}/bans/${lifted.id}`, { token: moderatorKey })).status, 204);
  await worker.drain();
  t.equal((await statusOf(api, inside)).status, 'approved', 'a lifted ban hides nothing');
  t.match((await api.req('GET', `/v1/forums/${forum.slug}/bans/${lifted.id}`, { token: moderatorKey })).body.ban.retro, { status: 'done', hidden: 0 });

  const ban = (await api.req('POST', `/v1/forums/${forum.slug}/bans`, { token: moderatorKey, body: { kind: 'range', value: '203.0.113.0/24', retroactive: true } })).body.bans[0];
  await worker.drain();
  t.equal((await statusOf(api, inside)).status, 'spam', 'an address inside the range');
  t.equal((await statusOf(api, outside)).status, 'approved', 'one outside it');
  t.match((await api.req('GET', `/v1/forums/${forum.slug}/bans/${ban.id}`, { token: moderatorKey })).body.ban.retro, { status: 'done', hidden: 1, total: 1 });
});

t.test('an address a dual-stack socket recorded (IPv4-mapped IPv6) is matched as its IPv4 address', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const post = (await api.post(thread.id)).post.id as string;
  await api.db.exec({ ...(await api.content({ postId: post })), mode: 'write' }, 'UPDATE posts SET author_ip = $2 WHERE id = $1', [post, '::ffff:203.0.113.9']);
  await api.req('POST', `/v1/forums/${forum.slug}/bans`, { token: moderatorKey, body: { kind: 'ip', value: '203.0.113.9', retroactive: true } });
  await worker.drain();
  t.equal((await statusOf(api, post)).status, 'spam');
});
