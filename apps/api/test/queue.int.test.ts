// The moderation queue over real HTTP: each queue (pending, spam, shadowed, flagged) with its
// filters (reason, thread, author) paged by cursor over more than one page; bulk actions with a
// mix of valid and invalid ids, each post its own event with the actor; and who may ask at all.
import t from 'tap';
import { ADMIN_TOKEN, overHttp, testApi, type TestApi } from '../../../test/harness/app.ts';
import { countQueries } from '../../../test/harness/query-count.ts';

type Http = Awaited<ReturnType<typeof overHttp>>;

async function account(http: Http, username: string): Promise<{ id: string; token: string }> {
  const r = await http('POST', '/v1/users', { username, email: `${username}@example.com`, password: 'a long enough password' });
  if (r.status !== 201) throw new Error(`account: ${r.status} ${r.text}`);
  return { id: r.body.user.id as string, token: r.body.token as string };
}

/** Every page of a queue query, following nextCursor; the ids in order. */
async function allPages(http: Http, path: string, token: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await http('GET', `${path}${cursor ? `${sep}cursor=${cursor}` : ''}`, undefined, token);
    if (r.status !== 200) throw new Error(`queue: ${r.status} ${r.text}`);
    ids.push(...r.body.items.map((i: { id: string }) => i.id));
    cursor = r.body.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

/** The pipeline's reasons on a post, as the write path stores them (the pipeline is wired elsewhere). */
const setReasons = (api: TestApi, postId: string, codes: string[]) =>
  api.everywhere(`UPDATE posts SET moderation_reasons = $2::jsonb WHERE id = $1 RETURNING id`, [
    postId,
    JSON.stringify(codes.map((code) => ({ phase: code === 'too_many_links' ? 'links' : 'blocklist', code, detail: `because ${code}` }))),
  ]);

const desc = (ids: string[]) => [...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0));

t.test('each queue, filtered and paged newest first', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const slug = forum.slug as string;
  const key = moderatorKey as string;
  const [one, two] = [await api.thread(slug), await api.thread(slug)];
  const ann = await account(http, 'queue-ann');

  // 7 guests' comments in thread one, 5 of ann's in thread two: all held (pre-moderation)
  const guestIds: string[] = [];
  for (let i = 0; i < 7; i++) guestIds.push((await api.post(one.id, { author: { name: 'Gus', email: `Gus${i % 2}@Example.com` } })).post.id);
  const annIds: string[] = [];
  for (let i = 0; i < 5; i++) annIds.push((await api.post(two.id, {}, ann.token)).post.id);
  for (const id of [...guestIds.slice(0, 4), annIds[0]]) await setReasons(api, id, ['blocklisted_word']);
  await setReasons(api, annIds[1], ['too_many_links', 'blocklisted_word']);

  const all = await allPages(http, `/v1/forums/${slug}/queue?limit=5`, key);
  t.same(all.ids, desc([...guestIds, ...annIds]), 'pending (the default): every held post once, newest first');
  t.equal(all.pages, 3, '12 items in pages of 5');

  const first = await http('GET', `/v1/forums/${slug}/queue?limit=1`, undefined, key);
  t.equal(first.status, 200);
  t.equal(first.body.items.length, 1);
  const item = first.body.items[0];
  t.match(item, {
    id: annIds[4], status: 'pending', queue: 'pending', threadId: two.id,
    thread: { identifier: two.identifier, title: 'A page', url: 'https://example.com/page' },
    authorUserId: ann.id, authorEmail: null, moderation: { reasons: [], flagCount: 0 },
  }, 'an item: the moderator view, its thread and its author');
  const guestItem = (await http('GET', `/v1/forums/${slug}/queue?threadId=${one.id}&limit=1`, undefined, key)).body.items[0];
  t.match(guestItem, { id: guestIds[6], authorUserId: null, authorEmail: 'Gus0@Example.com' }, "a guest's email for moderators");
  t.notOk('authorIp' in guestItem || JSON.stringify(guestItem).includes('author_ip'), 'never the address');

  await http('GET', `/v1/forums/${slug}/queue`, undefined, key); // the forum and the key cached
  const counted = await countQueries(api.db, () => api.req('GET', `/v1/forums/${slug}/queue?reason=blocklisted_word&author=gus`, { token: key }));
  t.same(Object.entries(counted.counts).filter(([alias]) => alias.startsWith('content')).map(([, n]) => n), [1], 'a page is one statement on the content shard, threads joined in it');

  const byReason = await allPages(http, `/v1/forums/${slug}/queue?reason=blocklisted_word&limit=2`, key);
  t.same(byReason.ids, desc([...guestIds.slice(0, 4), annIds[0], annIds[1]]), 'by reason code, over 3 pages');
  t.same((await allPages(http, `/v1/forums/${slug}/queue?reason=too_many_links`, key)).ids, [annIds[1]], 'a post held for two reasons is found by either');
  t.same((await allPages(http, `/v1/forums/${slug}/queue?threadId=${two.id}&limit=2`, key)).ids, desc(annIds), 'by thread');
  t.same((await allPages(http, `/v1/forums/${slug}/queue?author=${ann.id}&limit=2`, key)).ids, desc(annIds), 'by user id');
  t.same((await allPages(http, `/v1/forums/${slug}/queue?author=queue-ann`, key)).ids, desc(annIds), 'by name, case-insensitively');
  t.same((await allPages(http, `/v1/forums/${slug}/queue?author=gus1%40example.com`, key)).ids, desc(guestIds.filter((_, i) => i % 2 === 1)), "by a guest's email");
  t.same((await allPages(http, `/v1/forums/${slug}/queue?author=gus&threadId=${one.id}&reason=blocklisted_word&limit=3`, key)).ids, desc(guestIds.slice(0, 4)), 'filters combine');

  // spam, shadowed, flagged
  await http('POST', `/v1/posts/${guestIds[0]}/spam`, undefined, key);
  await http('POST', `/v1/posts/${guestIds[1]}/spam`, undefined, key);
  await http('POST', `/v1/posts/${annIds[2]}/shadow`, undefined, key);
  await http('POST', `/v1/posts/${annIds[3]}/approve`, undefined, key);
  await http('POST', `/v1/posts/${annIds[4]}/approve`, undefined, key);
  await api.everywhere('UPDATE posts SET flag_count = 2 WHERE id = $1 RETURNING id', [annIds[3]]);
  t.same((await allPages(http, `/v1/forums/${slug}/queue?status=spam&limit=1`, key)).ids, desc(guestIds.slice(0, 2)), 'spam');
  t.same((await allPages(http, `/v1/forums/${slug}/queue?status=shadowed`, key)).ids, [annIds[2]], 'shadowed');
  const flagged = await http('GET', `/v1/forums/${slug}/queue?status=flagged`, undefined, key);
  t.same(flagged.body.items.map((i: { id: string }) => i.id), [annIds[3]], 'flagged: published with flags (not the approved one without)');
  t.match(flagged.body.items[0], { status: 'approved', queue: 'flagged', moderation: { flagCount: 2 } });
  t.notOk((await allPages(http, `/v1/forums/${slug}/queue`, key)).ids.includes(guestIds[0]), 'a post leaves pending when marked as spam');

  // bad input: 4xx, never 500
  const cursor = (await http('GET', `/v1/forums/${slug}/queue?limit=1`, undefined, key)).body.nextCursor;
  t.equal((await http('GET', `/v1/forums/${slug}/queue?status=spam&cursor=${cursor}`, undefined, key)).body.error.code, 'invalid_cursor', "a cursor of another status");
  t.equal((await http('GET', `/v1/forums/${slug}/queue?cursor=%21%21`, undefined, key)).body.error.code, 'invalid_cursor');
  t.equal((await http('GET', `/v1/forums/${slug}/queue?status=approved`, undefined, key)).status, 400, 'no such queue');
  t.equal((await http('GET', `/v1/forums/${slug}/queue?limit=101`, undefined, key)).body.error.code, 'invalid_limit');
  t.equal((await http('GET', `/v1/forums/${slug}/queue?threadId=x`, undefined, key)).status, 400);
  t.equal((await http('GET', `/v1/forums/nope-nope/queue`, undefined, key)).status, 404);
});

t.test('the queue is for the forum\'s moderators only', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const a = await api.forum(undefined, { preModeration: true });
  const b = await api.forum();
  const slugA = a.forum.slug as string;
  const [mod, nobody] = [await account(http, 'queue-mod'), await account(http, 'queue-nobody')];
  await http('PUT', `/v1/forums/${slugA}/roles/${mod.id}`, { role: 'moderator' }, ADMIN_TOKEN);
  const post = (await api.post((await api.thread(slugA)).id)).post;

  for (const path of [`/v1/forums/${slugA}/queue`, `/v1/forums/${slugA}/moderation-log`]) {
    t.equal((await http('GET', path)).status, 401, `${path}: no credential`);
    t.equal((await http('GET', path, undefined, nobody.token)).status, 403, `${path}: an account without a role`);
    t.equal((await http('GET', path, undefined, b.moderatorKey)).status, 403, `${path}: another forum's key`);
    t.equal((await http('GET', path, undefined, mod.token)).status, 200, `${path}: a moderator account`);
    t.equal((await http('GET', path, undefined, ADMIN_TOKEN)).status, 200, `${path}: the admin`);
  }
  const bulk = { action: 'approve', postIds: [post.id] };
  t.equal((await http('POST', `/v1/forums/${slugA}/queue/actions`, bulk)).status, 401);
  t.equal((await http('POST', `/v1/forums/${slugA}/queue/actions`, bulk, nobody.token)).status, 403);
  t.equal((await http('POST', `/v1/forums/${slugA}/queue/actions`, bulk, b.moderatorKey)).status, 403);
  t.equal((await api.everywhere('SELECT status FROM posts WHERE id = $1', [post.id]))[0].status, 'pending', 'nothing changed');
  const res = await http('GET', `/v1/forums/${slugA}/queue`, undefined, mod.token);
  t.equal(res.status, 200);
});

t.test('bulk actions: each post on its own, with its event and actor', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const a = await api.forum(undefined, { preModeration: true });
  const b = await api.forum(undefined, { preModeration: true });
  const slug = a.forum.slug as string;
  const mod = await account(http, 'bulk-mod');
  await http('PUT', `/v1/forums/${slug}/roles/${mod.id}`, { role: 'moderator' }, ADMIN_TOKEN);
  await http('PUT', `/v1/forums/${b.forum.slug as string}/roles/${mod.id}`, { role: 'moderator' }, ADMIN_TOKEN);
  const thread = await api.thread(slug);
  const held = [];
  for (let i = 0; i < 3; i++) held.push((await api.post(thread.id)).post.id);
  const deleted = (await api.post(thread.id)).post.id;
  await http('POST', `/v1/posts/${deleted}/delete`, undefined, a.moderatorKey);
  const elsewhere = (await api.post((await api.thread(b.forum.slug as string)).id)).post.id;

  const r = await http('POST', `/v1/forums/${slug}/queue/actions`, { action: 'approve', postIds: [held[0], '999999', deleted, held[1], elsewhere, held[0], held[2]] }, mod.token);
  t.equal(r.status, 200);
  t.match(r.body.results, [
    { postId: held[0], status: 'approved' },
    { postId: '999999', error: { code: 'post_not_found' } },
    { postId: deleted, error: { code: 'invalid_transition' } },
    { postId: held[1], status: 'approved' },
    { postId: elsewhere, error: { code: 'post_not_found' } },
    { postId: held[0], status: 'approved' },
    { postId: held[2], status: 'approved' },
  ], 'one result per id, in order; failures stop nothing');
  const events = await api.everywhere(`SELECT post_id::text, actor FROM events WHERE type = 'PostApproved' ORDER BY id`);
  t.same(events.map((e) => e.post_id).sort(), [...held].sort(), 'one PostApproved per post changed (a repeated id once)');
  t.ok(events.every((e) => e.actor === `user:${mod.id}`), 'each with the moderator as its actor');
  t.equal((await api.everywhere('SELECT status FROM posts WHERE id = $1', [elsewhere]))[0].status, 'pending', "another forum's post is untouched, though the account moderates it too");

  const spam = await http('POST', `/v1/forums/${slug}/queue/actions`, { action: 'spam', postIds: held }, a.moderatorKey);
  t.same(spam.body.results.map((x: { status: string }) => x.status), ['spam', 'spam', 'spam'], 'the shared key too');

  for (const body of [{ action: 'approve', postIds: [] }, { action: 'explode', postIds: [held[0]] }, { action: 'approve', postIds: ['x1'] }, { action: 'approve', postIds: Array.from({ length: 101 }, (_, i) => String(i + 1)) }, { action: 'approve' }]) {
    t.equal((await http('POST', `/v1/forums/${slug}/queue/actions`, body, a.moderatorKey)).status, 400, JSON.stringify(body).slice(0, 60));
  }
});

t.test('the moderation log lists actions with their actors', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const slug = forum.slug as string;
  const other = await api.forum(undefined, { preModeration: true });
  const mod = await account(http, 'log-mod');
  await http('PUT', `/v1/forums/${slug}/roles/${mod.id}`, { role: 'moderator' }, ADMIN_TOKEN);
  const thread = await api.thread(slug);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await api.post(thread.id)).post.id);
  await setReasons(api, ids[0], ['blocklisted_word']);
  await http('POST', `/v1/forums/${slug}/queue/actions`, { action: 'spam', postIds: [ids[0]] }, mod.token);
  await http('POST', `/v1/posts/${ids[1]}/approve`, undefined, moderatorKey);
  await http('POST', `/v1/posts/${ids[1]}/hold`, undefined, mod.token);
  await http('POST', `/v1/posts/${ids[2]}/shadow`, undefined, ADMIN_TOKEN);
  await http('PATCH', `/v1/forums/${slug}`, { settings: { maxDepth: 3 } }, moderatorKey);
  const banned = await http('POST', `/v1/forums/${slug}/bans`, { kind: 'email', value: 'spammer@example.com', reason: 'spam runs', durationSeconds: 3600 }, mod.token);
  t.equal(banned.status, 201, 'a ban (the bans API)');
  await http('POST', `/v1/posts/${(await api.post((await api.thread(other.forum.slug as string)).id)).post.id}/approve`, undefined, other.moderatorKey);

  const r = await http('GET', `/v1/forums/${slug}/moderation-log`, undefined, mod.token);
  t.equal(r.status, 200);
  t.match(r.body.entries, [
    { type: 'BanCreated', actor: `user:${mod.id}`, postId: null, ban: { kind: 'email', value: 'spammer@example.com', reason: 'spam runs', mode: 'ban', expiresAt: /Z$/ } },
    { type: 'ForumUpdated', actor: `moderator:${forum.id}`, postId: null },
    { type: 'PostShadowed', actor: 'admin', postId: ids[2], threadId: thread.id, status: 'shadowed' },
    { type: 'PostHeld', actor: `user:${mod.id}`, postId: ids[1], status: 'pending' },
    { type: 'PostApproved', actor: `moderator:${forum.id}`, postId: ids[1], status: 'approved' },
    { type: 'PostMarkedSpam', actor: `user:${mod.id}`, postId: ids[0], status: 'spam', reasons: [{ code: 'blocklisted_word' }] },
    { type: 'ForumRoleGranted', actor: 'admin', userId: mod.id, role: 'moderator' },
    { type: 'ForumCreated', actor: 'admin' },
  ], 'newest first, each with its actor; never another forum\'s, never new comments');
  t.equal(r.body.entries.length, 8);
  t.equal(r.body.nextCursor, null);

  // paging one by one gives the same entries, once each
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { entries: { id: string }[]; nextCursor: string | null } } = await http('GET', `/v1/forums/${slug}/moderation-log?limit=1${cursor ? `&cursor=${cursor}` : ''}`, undefined, moderatorKey);
    seen.push(...page.body.entries.map((e) => e.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  t.same(seen, r.body.entries.map((e: { id: string }) => e.id), 'pages of one');

  const byActor = await http('GET', `/v1/forums/${slug}/moderation-log?actor=user:${mod.id}`, undefined, moderatorKey);
  t.same(byActor.body.entries.map((e: { type: string }) => e.type), ['BanCreated', 'PostHeld', 'PostMarkedSpam'], 'by actor');
  const byType = await http('GET', `/v1/forums/${slug}/moderation-log?type=PostApproved`, undefined, moderatorKey);
  t.same(byType.body.entries.map((e: { postId: string }) => e.postId), [ids[1]], 'by type');
  t.equal((await http('GET', `/v1/forums/${slug}/moderation-log?type=Nope`, undefined, moderatorKey)).body.error.code, 'invalid_field');
  t.equal((await http('GET', `/v1/forums/${slug}/moderation-log?cursor=abc`, undefined, moderatorKey)).body.error.code, 'invalid_cursor');
});

t.test('the queue and the log read by their indexes', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  // tiny tables make a sequential scan cheapest; with it off, the plan shows whether each
  // statement's predicate lets the planner use its partial index at all
  const plan = async (route: { area: 'content' | 'forums'; shard?: number }, text: string, values: unknown[]) =>
    api.db.tx(route, async (ex) => {
      await ex.query('SET LOCAL enable_seqscan = off');
      const { rows } = await ex.query(`EXPLAIN ${text}`, values);
      return rows.map((r) => r['QUERY PLAN'] as string).join('\n');
    });
  const { queueSql } = await import('@parley/data');
  const shard = api.db.shards()[0];
  const filters = [null, null, null, null, null, null, 51];
  t.match(await plan({ area: 'content', shard }, queueSql.selectQueueByStatus.text, [forum.id, 'pending', ...filters]), /posts_forum_queue_idx/, 'held, spam, shadowed: posts_forum_queue_idx');
  t.match(await plan({ area: 'content', shard }, queueSql.selectQueueFlagged.text, [forum.id, queueSql.flaggedStatus, ...filters]), /posts_forum_flagged_idx/, 'flagged: posts_forum_flagged_idx');
  const log = [forum.id, ['WebhookCreated'], null, null, null, true, true, 51];
  t.match(await plan({ area: 'content', shard }, queueSql.selectModerationLog.text, log), /events_moderation_log_idx/, 'the log: events_moderation_log_idx');
  t.match(await plan({ area: 'forums' }, queueSql.selectModerationLog.text, log), /events_moderation_log_idx/, '…in the forums database too');
});
