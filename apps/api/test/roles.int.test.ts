// Roles per forum over real HTTP: an owner grants and removes, a moderator account moderates and
// is recorded as itself in the event log, and every escalation is refused: a user granting itself
// a role, a moderator granting owner or removing an owner, a moderator of forum A acting on forum
// B, the shared key managing roles, an SSO user of another forum. A removed role stops at the
// next request (roles come with the session: no cache), and the last owner cannot leave.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp } from '@parley/api';
import { createLogger, loadConfig } from '@parley/data';
import { ADMIN_TOKEN, overHttp, testApi, type TestApi } from '../../../test/harness/app.ts';
import { countQueries } from '../../../test/harness/query-count.ts';

type Http = Awaited<ReturnType<typeof overHttp>>;

async function account(http: Http, username: string): Promise<{ id: string; token: string }> {
  const r = await http('POST', '/v1/users', { username, email: `${username}@example.com`, password: 'a long enough password' });
  if (r.status !== 201) throw new Error(`account: ${r.status} ${r.text}`);
  return { id: r.body.user.id as string, token: r.body.token as string };
}

/** A user forum B's site signs in (Disqus remote_auth_s3), with B's SSO secret. */
async function ssoUser(http: Http, slug: string, moderatorKey: string): Promise<{ id: string; token: string }> {
  const { secret } = (await http('POST', `/v1/forums/${slug}/sso-secret`, undefined, moderatorKey)).body;
  const message = Buffer.from(JSON.stringify({ id: 'site-7', username: 'Site Sam', email: 'sam@site.example' })).toString('base64');
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha1', secret).update(`${message} ${ts}`).digest('hex');
  const r = await http('POST', '/v1/sso/disqus', { forum: slug, remoteAuth: `${message} ${sig} ${ts}` });
  return { id: r.body.user.id as string, token: r.body.token as string };
}

const eventsOf = (api: TestApi, type: string) => api.everywhere('SELECT type, actor, forum_id::text FROM events WHERE type = $1 ORDER BY id', [type]);

t.test('owners grant, moderators moderate as themselves, escalations are refused', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const a = await api.forum(undefined, { preModeration: true });
  const b = await api.forum();
  const slugA = a.forum.slug as string;
  const slugB = b.forum.slug as string;
  const [ann, bob, cat] = [await account(http, 'roles-ann'), await account(http, 'roles-bob'), await account(http, 'roles-cat')];

  // the admin makes ann owner of A
  const made = await http('PUT', `/v1/forums/${slugA}/roles/${ann.id}`, { role: 'owner' }, ADMIN_TOKEN);
  t.equal(made.status, 200);
  t.match(made.body.role, { userId: ann.id, role: 'owner', grantedBy: 'admin' });

  // nobody grants themselves anything
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'moderator' }, bob.token)).status, 403, 'a user granting itself a role');
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'moderator' })).status, 401, 'without a credential');
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'moderator' }, a.moderatorKey)).status, 403, 'the shared key manages no roles');
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'root' }, ann.token)).status, 400, 'no such role');

  // ann makes bob a moderator of A
  const granted = await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'moderator' }, ann.token);
  t.match(granted.body.role, { userId: bob.id, role: 'moderator', grantedBy: `user:${ann.id}` });
  t.same((await eventsOf(api, 'ForumRoleGranted')).map((e) => e.actor), ['admin', `user:${ann.id}`], 'each grant is an event with its actor');
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'moderator' }, ann.token)).status, 200, 'granting it again is idempotent');
  t.equal((await eventsOf(api, 'ForumRoleGranted')).length, 2, '...and no event');

  // a moderator does not escalate
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${bob.id}`, { role: 'owner' }, bob.token)).status, 403, 'a moderator granting itself owner');
  t.equal((await http('PUT', `/v1/forums/${slugA}/roles/${cat.id}`, { role: 'moderator' }, bob.token)).status, 403, 'a moderator granting a role');
  t.equal((await http('DELETE', `/v1/forums/${slugA}/roles/${ann.id}`, undefined, bob.token)).status, 403, 'a moderator removing an owner');
  t.equal((await http('GET', `/v1/forums/${slugA}/roles`, undefined, bob.token)).status, 403, 'a moderator does not list roles');
  t.equal((await http('PATCH', `/v1/forums/${slugA}`, { settings: { maxDepth: 3 } }, bob.token)).status, 403, 'a moderator does not change settings');
  t.equal((await http('POST', `/v1/forums/${slugA}/sso-secret`, undefined, bob.token)).status, 403, 'nor the SSO secret');
  t.equal((await http('GET', `/v1/forums/${slugA}/webhooks`, undefined, bob.token)).status, 403, 'nor webhooks');
  t.equal((await http('PATCH', `/v1/forums/${slugA}`, { settings: { maxDepth: 3 } }, ann.token)).status, 200, 'an owner changes settings, as the key would');

  // bob moderates A: a pending comment, approved, with bob as the actor
  const threadA = await api.thread(slugA);
  const pending = (await api.post(threadA.id)).post;
  t.equal(pending.status, 'pending');
  const listed = await http('GET', `/v1/threads/${threadA.id}/posts`, undefined, bob.token);
  t.equal(listed.body.posts.length, 1, 'a moderator sees pending comments');
  const counted = await countQueries(api.db, () => api.req('GET', `/v1/threads/${threadA.id}/posts`, { token: bob.token }));
  t.equal(counted.counts.accounts, 1, "a moderator account's request reads its session and its roles in one accounts query");
  t.match(counted.statements.find((q) => q.startsWith('accounts')), /ARRAY\(SELECT r/, 'the roles come inside the session query');
  t.equal((await http('GET', `/v1/threads/${threadA.id}/posts`, undefined, cat.token)).body.posts.length, 0, 'an account without a role does not');
  const approved = await http('POST', `/v1/posts/${pending.id}/approve`, undefined, bob.token);
  t.equal(approved.status, 200);
  t.equal(approved.body.post.status, 'approved');
  t.same(
    await api.everywhere('SELECT actor FROM events WHERE post_id = $1 AND type = $2', [pending.id, 'PostApproved']),
    [{ actor: `user:${bob.id}` }],
    'the event log records the moderator account, not the key',
  );
  const other = (await api.post(threadA.id)).post;
  t.equal((await http('POST', `/v1/posts/${other.id}/delete`, undefined, bob.token)).body.post.status, 'deleted', "a moderator deletes another's comment");
  t.equal((await http('POST', `/v1/posts/${other.id}/approve`, undefined, cat.token)).status, 403, 'an account without a role does not moderate');

  // a moderator of A is nobody in B, but still an author there
  const threadB = await api.thread(slugB);
  const inB = (await api.post(threadB.id)).post;
  t.equal((await http('POST', `/v1/posts/${inB.id}/spam`, undefined, bob.token)).status, 403, 'a moderator of A marking spam in B');
  t.equal((await http('POST', `/v1/posts/${inB.id}/delete`, undefined, bob.token)).status, 403, "nor deleting another's comment there");
  t.equal((await http('GET', `/v1/forums/${slugB}/roles`, undefined, ann.token)).status, 403, 'an owner of A does not manage B');
  const bobsOwn = (await api.post(threadB.id, {}, bob.token)).post;
  t.equal((await http('POST', `/v1/posts/${bobsOwn.id}/delete`, undefined, bob.token)).status, 200, 'his own comment in B he may delete, as its author');

  // an SSO user of forum B holds no role anywhere
  const sam = await ssoUser(http, slugB, b.moderatorKey);
  const toSam = await http('PUT', `/v1/forums/${slugA}/roles/${sam.id}`, { role: 'moderator' }, ann.token);
  t.equal(toSam.status, 404);
  t.equal(toSam.body.error.code, 'account_not_found', "a site's user cannot be given a role");
  t.equal((await http('PUT', `/v1/forums/${slugB}/roles/${sam.id}`, { role: 'owner' }, ADMIN_TOKEN)).body.error.code, 'account_not_found', 'not even in its own forum');
  t.equal((await http('POST', `/v1/posts/${inB.id}/spam`, undefined, sam.token)).status, 403, 'an SSO user does not moderate');
  t.equal((await http('GET', `/v1/forums/${slugA}/roles`, undefined, sam.token)).status, 403);

  // the list, owners first, with who granted each role
  const roles = await http('GET', `/v1/forums/${slugA}/roles`, undefined, ann.token);
  t.match(roles.body.roles, [{ userId: ann.id, username: 'roles-ann', role: 'owner' }, { userId: bob.id, username: 'roles-bob', role: 'moderator', grantedBy: `user:${ann.id}` }]);
  t.equal(roles.body.roles.length, 2);
  t.same((await http('GET', `/v1/forums/${slugA}/roles`, undefined, ADMIN_TOKEN)).body.roles, roles.body.roles, 'the admin lists any forum');
});

t.test('a removed role stops at the next request; the last owner stays', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum } = await api.forum();
  const [ann, bob, cat] = [await account(http, 'stop-ann'), await account(http, 'stop-bob'), await account(http, 'stop-cat')];
  await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { role: 'owner' }, ADMIN_TOKEN);
  await http('PUT', `/v1/forums/${forum.slug}/roles/${bob.id}`, { role: 'moderator' }, ann.token);
  const thread = await api.thread(forum.slug);
  const post = (await api.post(thread.id)).post;
  t.equal((await http('POST', `/v1/posts/${post.id}/spam`, undefined, bob.token)).status, 200, 'bob moderates');

  t.equal((await http('DELETE', `/v1/forums/${forum.slug}/roles/${bob.id}`, undefined, ann.token)).status, 204, 'ann removes him');
  t.equal((await http('POST', `/v1/posts/${post.id}/restore`, undefined, bob.token)).status, 403, 'at once: the same session is refused');
  t.equal((await http('DELETE', `/v1/forums/${forum.slug}/roles/${bob.id}`, undefined, ann.token)).body.error.code, 'role_not_found', 'gone');
  t.match(await api.everywhere("SELECT actor, forum_id::text FROM events WHERE type = 'ForumRoleRevoked'"), [{ actor: `user:${ann.id}`, forum_id: forum.id }]);

  const last = await http('DELETE', `/v1/forums/${forum.slug}/roles/${ann.id}`, undefined, ann.token);
  t.equal(last.status, 409);
  t.equal(last.body.error.code, 'last_owner', 'the last owner cannot remove itself');
  t.equal((await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { role: 'moderator' }, ann.token)).body.error.code, 'last_owner', 'nor step down to moderator');

  await http('PUT', `/v1/forums/${forum.slug}/roles/${cat.id}`, { role: 'owner' }, ann.token);
  t.equal((await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { role: 'moderator' }, ann.token)).status, 200, 'with another owner, ann steps down');
  t.equal((await http('DELETE', `/v1/forums/${forum.slug}/roles/${ann.id}`, undefined, ann.token)).status, 204, 'and a moderator may leave');
  t.equal((await http('GET', `/v1/forums/${forum.slug}/roles`, undefined, ann.token)).status, 403, 'ann manages nothing now');
  t.equal((await http('DELETE', `/v1/forums/${forum.slug}/roles/${cat.id}`, undefined, ADMIN_TOKEN)).status, 204, 'the admin may remove even the last owner');
  t.same((await http('GET', `/v1/forums/${forum.slug}/roles`, undefined, ADMIN_TOKEN)).body.roles, []);
});

t.test('the shared key: rotated by an owner, the old one refused at once; its use is visible', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const [ann, bob] = [await account(http, 'key-ann'), await account(http, 'key-bob')];
  await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { role: 'owner' }, ADMIN_TOKEN);
  await http('PUT', `/v1/forums/${forum.slug}/roles/${bob.id}`, { role: 'moderator' }, ann.token);

  t.equal((await http('GET', `/v1/forums/${forum.slug}/roles`, undefined, ann.token)).body.moderatorKeyUsedAt, null, 'not used yet');
  const before = Date.now();
  t.equal((await http('PATCH', `/v1/forums/${forum.slug}`, { name: 'Renamed' }, moderatorKey)).status, 200);
  const usedAt = (await http('GET', `/v1/forums/${forum.slug}/roles`, undefined, ann.token)).body.moderatorKeyUsedAt as string;
  t.ok(usedAt && Date.parse(usedAt) >= before - 1000, 'its use is recorded for the owners');

  t.equal((await http('POST', `/v1/forums/${forum.slug}/moderator-key`, undefined, bob.token)).status, 403, 'a moderator does not rotate it');
  t.equal((await http('POST', `/v1/forums/${forum.slug}/moderator-key`, undefined, moderatorKey)).status, 403, 'nor does the key itself');
  const rotated = await http('POST', `/v1/forums/${forum.slug}/moderator-key`, undefined, ann.token);
  t.equal(rotated.status, 201);
  const fresh = rotated.body.moderatorKey as string;
  t.match(fresh, /^pmk_/);
  t.not(fresh, moderatorKey);
  // the forum is read by id and slug in between, so it is cached again: the old key must not lead to it
  await http('GET', `/v1/forums/${forum.slug}`);
  t.equal((await http('PATCH', `/v1/forums/${forum.slug}`, { name: 'Old key' }, moderatorKey)).status, 401, 'the old key is refused at once');
  t.equal((await http('PATCH', `/v1/forums/${forum.slug}`, { name: 'New key' }, fresh)).status, 200, 'the new one works');
  t.equal((await http('POST', `/v1/forums/${forum.slug}/moderator-key`, undefined, ADMIN_TOKEN)).status, 201, 'the admin rotates it too');
  t.equal((await http('PATCH', `/v1/forums/${forum.slug}`, { name: 'Again' }, fresh)).status, 401);
});

t.test('each request the shared key authorizes is logged: forum, route, client address, never the key', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({}, { ...api.config, logLevel: 'info' });
  const app = await buildApp({ config, db: api.db, logger: createLogger(config, 'api', destination) });
  t.teardown(() => app.close());
  const http = await overHttp({ ...api, app });
  for (let i = 0; i < 2; i++) t.equal((await http('PATCH', `/v1/forums/${forum.slug}`, { name: `Renamed ${i}` }, moderatorKey)).status, 200);
  t.equal((await http('GET', `/v1/forums/${forum.slug}/webhooks`, undefined, moderatorKey)).status, 200);
  const used = lines.filter((l) => l.msg === 'moderator key used');
  t.equal(used.length, 3, 'one line per request, throttled or not');
  t.match(used[0], { forum: forum.slug, forumId: forum.id, method: 'PATCH', route: '/v1/forums/:slug', ip: '127.0.0.1' });
  t.match(used[2], { method: 'GET', route: '/v1/forums/:slug/webhooks' });
  t.notOk(lines.some((l) => JSON.stringify(l).includes(moderatorKey.slice(4))), 'the key appears in no log line');
});
