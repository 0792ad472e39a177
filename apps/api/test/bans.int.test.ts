// The ban API over real HTTP: a forum's moderators ban, suspend and shadow-ban by value or by a
// comment (its author's account or email, and the address when asked, none of which they see);
// values are checked and kept canonical; every creation and lift is an event with its actor; the
// list pages by cursor and filters in force / all; the cap on bans in force holds; the admin bans
// for the whole instance, nobody else does.
import t from 'tap';
import { ADMIN_TOKEN, overHttp, testApi, type TestApi } from '../../../test/harness/app.ts';

type Http = Awaited<ReturnType<typeof overHttp>>;

async function account(http: Http, username: string): Promise<{ id: string; token: string }> {
  const r = await http('POST', '/v1/users', { username, email: `${username}@example.com`, password: 'a long enough password' });
  if (r.status !== 201) throw new Error(`account: ${r.status} ${r.text}`);
  return { id: r.body.user.id as string, token: r.body.token as string };
}

const banEvents = (api: TestApi) =>
  api.everywhere(`SELECT type, actor, forum_id::text AS forum_id FROM events WHERE type IN ('BanCreated', 'BanLifted') ORDER BY id`);

t.test('a forum moderator bans by value: canonical values, events with actors, list, read, lift', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const base = `/v1/forums/${forum.slug}/bans`;
  const ann = await account(http, 'bans-ann');

  const made = await http('POST', base, { kind: 'email', value: ' Eve@Example.ORG ', reason: 'spam runs' }, moderatorKey);
  t.equal(made.status, 201, made.text);
  t.match(made.body.bans, [{ kind: 'email', value: 'eve@example.org', mode: 'ban', reason: 'spam runs', expiresAt: null, active: true, forumId: forum.id, retro: null, postId: null }]);
  t.equal(made.body.bans[0].createdBy, `moderator:${forum.id}`);

  const mapped = await http('POST', base, { kind: 'ip', value: '::ffff:203.0.113.7' }, moderatorKey);
  t.equal(mapped.body.bans[0].value, '203.0.113.7', 'an IPv4-mapped address is kept as the IPv4 address');
  const range = await http('POST', base, { kind: 'range', value: '198.51.100.77/24', mode: 'shadow', durationSeconds: 3600 }, moderatorKey);
  t.equal(range.status, 201, range.text);
  t.equal(range.body.bans[0].value, '198.51.100.0/24', 'a range is kept as its network');
  t.equal(range.body.bans[0].mode, 'shadow');
  const expires = Date.parse(range.body.bans[0].expiresAt) - Date.now();
  t.ok(expires > 3500_000 && expires <= 3600_000, 'durationSeconds makes a suspension');
  const user = await http('POST', base, { kind: 'user', value: ann.id, expiresAt: new Date(Date.now() + 86400_000).toISOString() }, moderatorKey);
  t.equal(user.status, 201, user.text);

  // bad input is a 4xx with a code, never a 500
  const refused: [unknown, number, string][] = [
    [{ kind: 'ip', value: '300.1.2.3' }, 400, 'invalid_ban'],
    [{ kind: 'range', value: '10.0.0.0/4' }, 400, 'invalid_ban'],
    [{ kind: 'range', value: '2001:db8::/8' }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'not an email' }, 400, 'invalid_email'],
    [{ kind: 'user', value: 'abc' }, 400, 'invalid_id'],
    [{ kind: 'user', value: '987654321' }, 404, 'account_not_found'],
    [{ kind: 'planet', value: 'x' }, 400, 'invalid_field'],
    [{ kind: 'email', value: 'a@example.org', expiresAt: '2001-01-01T00:00:00Z' }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'a@example.org', expiresAt: 'tomorrow' }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'a@example.org', durationSeconds: 0 }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'a@example.org', durationSeconds: 60, expiresAt: new Date(Date.now() + 1e6).toISOString() }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'a@example.org', reason: 'x'.repeat(501) }, 400, 'invalid_ban'],
    [{ kind: 'email' }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'a@example.org', postId: '1' }, 400, 'invalid_ban'],
    [{ kind: 'email', value: 'a@example.org', includeAddress: true }, 400, 'invalid_ban'],
    [{}, 400, 'invalid_ban'],
  ];
  for (const [body, status, code] of refused) {
    const r = await http('POST', base, body, moderatorKey);
    t.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text.slice(0, 200)}`);
    t.equal(r.body?.error?.code, code);
  }

  // who may: the forum's moderators; not a reader, nor another forum's key, nor nobody
  const other = await api.forum();
  t.equal((await http('POST', base, { kind: 'email', value: 'b@example.org' })).status, 401);
  t.equal((await http('POST', base, { kind: 'email', value: 'b@example.org' }, ann.token)).status, 403);
  t.equal((await http('POST', base, { kind: 'email', value: 'b@example.org' }, other.moderatorKey)).status, 403);
  t.equal((await http('GET', base, undefined, ann.token)).status, 403, 'a reader does not list bans');
  const modAccount = await account(http, 'bans-mod');
  await http('PUT', `/v1/forums/${forum.slug}/roles/${modAccount.id}`, { role: 'moderator' }, ADMIN_TOKEN);
  const byAccount = await http('POST', base, { kind: 'email', value: 'c@example.org' }, modAccount.token);
  t.equal(byAccount.body.bans[0].createdBy, `user:${modAccount.id}`, 'a moderator account bans as itself');

  // list: newest first, paged by cursor
  const page1 = await http('GET', `${base}?limit=3`, undefined, moderatorKey);
  t.equal(page1.status, 200, page1.text);
  t.same(page1.body.bans.map((b: { value: string }) => b.value), ['c@example.org', String(ann.id), '198.51.100.0/24']);
  const page2 = await http('GET', `${base}?limit=3&cursor=${page1.body.nextCursor}`, undefined, moderatorKey);
  t.same(page2.body.bans.map((b: { value: string }) => b.value), ['203.0.113.7', 'eve@example.org']);
  t.equal(page2.body.nextCursor, null);
  t.equal((await http('GET', `${base}?cursor=bm9wZQ`, undefined, moderatorKey)).body.error.code, 'invalid_cursor');
  t.equal((await http('GET', `${base}?limit=0`, undefined, moderatorKey)).status, 400);

  // read one; lift it; lifted bans leave the default list but stay in status=all
  const id = made.body.bans[0].id as string;
  t.match((await http('GET', `${base}/${id}`, undefined, moderatorKey)).body.ban, { id, value: 'eve@example.org', active: true });
  t.equal((await http('GET', `/v1/forums/${other.forum.slug}/bans/${id}`, undefined, other.moderatorKey)).status, 404, "another forum's ban is not there");
  t.equal((await http('DELETE', `/v1/forums/${other.forum.slug}/bans/${id}`, undefined, other.moderatorKey)).status, 404);
  t.equal((await http('DELETE', `${base}/${id}`, undefined, moderatorKey)).status, 204);
  const lifted = (await http('GET', `${base}/${id}`, undefined, moderatorKey)).body.ban;
  t.match(lifted, { active: false, liftedBy: `moderator:${forum.id}` });
  t.ok(lifted.liftedAt);
  const again = await http('DELETE', `${base}/${id}`, undefined, moderatorKey);
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'ban_already_lifted');
  t.equal((await http('DELETE', `${base}/99999999`, undefined, moderatorKey)).status, 404);
  t.equal((await http('GET', base, undefined, moderatorKey)).body.bans.length, 4, 'the lifted ban is not in force');
  t.equal((await http('GET', `${base}?status=all`, undefined, moderatorKey)).body.bans.length, 5);

  t.same(
    (await banEvents(api)).map((e) => [e.type, e.actor]),
    [
      ...Array(4).fill(['BanCreated', `moderator:${forum.id}`]),
      ['BanCreated', `user:${modAccount.id}`],
      ['BanLifted', `moderator:${forum.id}`],
    ],
    'every creation and lift is one event, with its actor',
  );
});

t.test('banning the author of a comment: their account, else their email, and the address on request, none shown', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const base = `/v1/forums/${forum.slug}/bans`;
  const thread = await api.thread(forum.slug);
  const bea = await account(http, 'bans-bea');
  const byUser = (await api.post(thread.id, {}, bea.token)).post;
  const byGuest = (await api.post(thread.id, { author: { name: 'G', email: 'Guest.One@Example.com' } })).post;
  // the address a comment was written from (the write path records it)
  await api.db.exec({ ...(await api.content({ postId: byGuest.id })), mode: 'write' }, `UPDATE posts SET author_ip = '192.0.2.44' WHERE id = $1`, [byGuest.id]);

  const user = await http('POST', base, { postId: byUser.id }, moderatorKey);
  t.equal(user.status, 201, user.text);
  t.match(user.body.bans, [{ kind: 'user', value: bea.id, postId: byUser.id }], "an account's id is shown");

  const guest = await http('POST', base, { postId: byGuest.id, includeAddress: true, mode: 'shadow' }, moderatorKey);
  t.equal(guest.status, 201, guest.text);
  t.match(guest.body.bans, [{ kind: 'email', value: null, postId: byGuest.id, mode: 'shadow' }, { kind: 'ip', value: null, postId: byGuest.id }]);
  t.notMatch(guest.text, /guest\.one|192\.0\.2\.44/i, 'neither the email nor the address reaches the moderator');
  t.notMatch((await http('GET', `${base}?status=all`, undefined, moderatorKey)).text, /guest\.one|192\.0\.2\.44/i);
  const stored = await api.everywhere(`SELECT kind, value, host(net) AS net FROM bans WHERE post_id = $1 ORDER BY id`, [byGuest.id]);
  t.same(stored, [{ kind: 'email', value: 'guest.one@example.com', net: null }, { kind: 'ip', value: '192.0.2.44', net: '192.0.2.44' }], 'the table keeps the values the bans phase compares');
  const snapshots = await api.everywhere(`SELECT encode(snapshot, 'escape') AS s FROM events WHERE type = 'BanCreated'`);
  t.notOk(snapshots.some((r) => /guest\.one|192\.0\.2\.44/i.test(r.s as string)), 'nor does the event log');

  const other = await api.forum();
  t.equal((await http('POST', `/v1/forums/${other.forum.slug}/bans`, { postId: byUser.id }, other.moderatorKey)).status, 404, "another forum's comment is not found");
  t.equal((await http('POST', base, { postId: '99999999' }, moderatorKey)).status, 404);
});

t.test('the cap on bans in force per forum', async (t) => {
  const api = await testApi(t, { bansActiveMax: 2 });
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const base = `/v1/forums/${forum.slug}/bans`;
  const ids: string[] = [];
  for (const value of ['a@example.org', 'b@example.org']) ids.push((await http('POST', base, { kind: 'email', value }, moderatorKey)).body.bans[0].id);
  const third = await http('POST', base, { kind: 'email', value: 'c@example.org' }, moderatorKey);
  t.equal(third.status, 409);
  t.equal(third.body.error.code, 'ban_limit_reached');
  const other = await api.forum();
  t.equal((await http('POST', `/v1/forums/${other.forum.slug}/bans`, { kind: 'email', value: 'c@example.org' }, other.moderatorKey)).status, 201, 'the cap is per forum');
  await http('DELETE', `${base}/${ids[0]}`, undefined, moderatorKey);
  t.equal((await http('POST', base, { kind: 'email', value: 'c@example.org' }, moderatorKey)).status, 201, 'a lifted ban frees its place');
});

t.test('instance-wide bans: the admin only', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  t.equal((await http('POST', '/v1/admin/bans', { kind: 'range', value: '2001:db8::/32' }, moderatorKey)).status, 403, "a forum's key bans in its forum only");
  t.equal((await http('GET', '/v1/admin/bans')).status, 401);
  const made = await http('POST', '/v1/admin/bans', { kind: 'range', value: '2001:db8::/32', reason: 'botnet' }, ADMIN_TOKEN);
  t.equal(made.status, 201, made.text);
  t.match(made.body.bans[0], { forumId: null, value: '2001:db8::/32', createdBy: 'admin' });
  const id = made.body.bans[0].id;
  t.equal((await http('GET', '/v1/admin/bans', undefined, ADMIN_TOKEN)).body.bans.length, 1);
  t.equal((await http('GET', `/v1/forums/${forum.slug}/bans`, undefined, moderatorKey)).body.bans.length, 0, "a forum's list holds its own bans");
  t.equal((await http('GET', `/v1/forums/${forum.slug}/bans/${id}`, undefined, moderatorKey)).status, 404);
  t.equal((await http('GET', `/v1/admin/bans/${id}`, undefined, ADMIN_TOKEN)).body.ban.id, id);
  t.equal((await http('DELETE', `/v1/admin/bans/${id}`, undefined, ADMIN_TOKEN)).status, 204);
  t.same((await banEvents(api)).map((e) => [e.type, e.actor, e.forum_id]), [['BanCreated', 'admin', null], ['BanLifted', 'admin', null]]);
});

t.test('a ban made here refuses the author at once; lifted, they write again; an expired suspension no longer applies', async (t) => {
  const api = await testApi(t, { moderationRules: true });
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const base = `/v1/forums/${forum.slug}/bans`;
  const dora = await account(http, 'bans-dora');
  const write = (token?: string, email?: string) =>
    http('POST', `/v1/threads/${thread.id}/posts`, { message: 'hello there', ...(token ? {} : { author: { name: 'G', email } }) }, token);

  const ban = (await http('POST', base, { kind: 'user', value: dora.id, reason: 'abuse' }, moderatorKey)).body.bans[0];
  const refused = await write(dora.token);
  t.equal(refused.status, 403);
  t.equal(refused.body.error.code, 'author_banned');
  t.notMatch(refused.text, /abuse/, 'the reason is for moderators');
  await http('DELETE', `${base}/${ban.id}`, undefined, moderatorKey);
  t.equal((await write(dora.token)).status, 201, 'lifted: they write again');

  await http('POST', base, { kind: 'email', value: 'Gil@Example.org', durationSeconds: 3600 }, moderatorKey);
  t.equal((await write(undefined, 'gil@example.org')).body.error?.code, 'author_banned', 'a suspended guest email, in any case');
  await api.db.exec({ area: 'forums', mode: 'write' }, `UPDATE bans SET expires_at = now() - interval '1 second' WHERE value = 'gil@example.org'`);
  t.equal((await write(undefined, 'gil@example.org')).status, 201, 'the suspension is over');
});

t.test("banning a comment's address (includeAddress) refuses the next comment from that address", async (t) => {
  const api = await testApi(t, { moderationRules: true });
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const thread = await api.thread(forum.slug);
  const post = (email: string) => http('POST', `/v1/threads/${thread.id}/posts`, { message: 'from my desk', author: { name: 'G', email } });
  const first = await post('first@example.org');
  t.equal(first.status, 201);
  const made = await http('POST', `/v1/forums/${forum.slug}/bans`, { postId: first.body.post.id, includeAddress: true }, moderatorKey);
  t.match(made.body.bans, [{ kind: 'email', value: null }, { kind: 'ip', value: null }], 'the address the write path recorded, never shown');
  const next = await post('someone-else@example.org');
  t.equal(next.body.error?.code, 'author_banned', 'another email from the same address');
});
