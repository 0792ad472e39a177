// What the rules cost a write: a new comment's facts are read by its insert (no statement of their
// own) and the bans with them where the forums database is the shard's own, else in one statement
// on the forums database before the transaction; a forum with the phases off pays nothing; the
// statements use migration 12's indexes.
import { appendNewPost, ContentMovedError, decodeSnapshot, moderationFactsSql, postFromRow, postSql } from '@parley/data';
import t from 'tap';
import { countQueries } from '../../../test/harness/query-count.ts';
import { allPhasesOff, moderationEnv } from './moderation-env.ts';

const verbs = (statements: string[]) => statements.map((s) => s.split(': ')[1].split(' ')[0]);

t.test('the default rules add no statement on the shard (the placement reads the facts) and one on a forums database apart; all phases off add none', async (t) => {
  const on = await moderationEnv(t, {});
  const shard = await on.api.contentAlias({ threadId: on.thread.id });
  await on.say('warm the forum cache');
  await on.api.app.publisher.flushed();
  const write = async (env: typeof on, text = 'a counted comment with https://example.com/link') => {
    const r = await env.say(text, { email: 'counted@example.com' });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    await env.api.app.publisher.flushed();
    return r.body as { post: { status: string } };
  };
  const withRules = await countQueries(on.api.db, () => write(on));
  // one database for forums and content (the default): the bans come in the placement too
  const oneDatabase = on.api.db.primaryUrl({ area: 'forums' }) === on.api.db.primaryUrl(await on.api.content({ threadId: on.thread.id }));
  t.same(withRules.counts, oneDatabase ? { [shard]: 5 } : { [shard]: 5, forums: 1 }, withRules.statements.join('\n'));
  const onShard = withRules.statements.filter((s) => s.startsWith(shard));
  t.same(verbs(onShard), ['BEGIN', 'WITH', 'WITH', 'COMMIT', 'SELECT'], 'the transaction and the publish, as without the rules');
  t.match(onShard[1], /WITH facts AS/, 'the placement reads the facts');
  t.match(onShard[2], /WITH ins AS \(\s*INSERT INTO posts/, 'the comment, as judged, and its event: one statement');
  if (!oneDatabase) t.match(withRules.statements.find((s) => s.startsWith('forums'))!, /FROM bans/, 'the bans, before the transaction');

  const off = await moderationEnv(t, allPhasesOff);
  await off.say('warm');
  await off.api.app.publisher.flushed();
  const without = await countQueries(off.api.db, () => write(off));
  const offShard = await off.api.contentAlias({ threadId: off.thread.id });
  t.same(without.counts, { [offShard]: 5 }, 'as without the rules: the transaction and the publish');
  t.notMatch(without.statements.filter((s) => s.startsWith(offShard))[1], /facts AS/, 'the plain insert');
  t.notMatch(without.statements.filter((s) => s.startsWith(offShard))[2], /INSERT INTO posts/, 'and the plain event');

  const bansOnly = await moderationEnv(t, { ...allPhasesOff, bans: { enabled: true } });
  await bansOnly.say('warm');
  await bansOnly.api.app.publisher.flushed();
  const onlyBans = await countQueries(bansOnly.api.db, () => write(bansOnly));
  const bansShard = await bansOnly.api.contentAlias({ threadId: bansOnly.thread.id });
  t.same(onlyBans.counts, oneDatabase ? { [bansShard]: 5 } : { [bansShard]: 5, forums: 1 }, 'bans only: in the insert, or one forums query');
});

t.test("a judged comment's event carries the stored row: written from the placement and the verdict, column for column", async (t) => {
  const env = await moderationEnv(t, { blocklist: { enabled: true, entries: [{ kind: 'word', term: 'darn', action: 'mask' }] } });
  // a moderator's comment (not judged) to reply to, at the depth limit's edge
  const parent = await env.api.app.inject({ method: 'POST', url: `/v1/threads/${env.thread.id}/posts`, headers: { authorization: `Bearer ${env.key}` }, payload: { message: 'the parent', author: { name: 'Mod', email: 'mod@example.com' } } });
  t.equal(parent.statusCode, 201, parent.body);
  const cases = [
    ['held, a word masked, a reply', await env.say('a darn reply with https://example.com/x', { email: 'replier@example.com', parentId: parent.json().post.id })],
    ['published, top level', await env.say('a plain comment', { email: 'plain@example.com' })],
  ] as const;
  for (const [label, r] of cases) {
    t.equal(r.status, 201, `${label}: ${JSON.stringify(r.body)}`);
    const id = r.body.post.id as string;
    const route = await env.api.content({ threadId: env.thread.id });
    const [row] = (await env.api.db.exec({ ...route, mode: 'write' }, postSql.selectPost, [id])).rows;
    const [event] = (await env.api.db.exec({ ...route, mode: 'write' }, `SELECT snapshot, seq FROM events WHERE post_id = $1 AND type = 'PostCreated'`, [id])).rows;
    t.same(decodeSnapshot(event.snapshot as Buffer), postFromRow(row), `${label}: the snapshot is the row`);
  }
  const route = await env.api.content({ threadId: env.thread.id });
  const [seqs] = (await env.api.db.exec({ ...route, mode: 'write' }, `SELECT t.last_seq::int AS last, array_agg(e.seq::int ORDER BY e.seq) AS seqs
    FROM threads t JOIN events e ON e.thread_id = t.id WHERE t.id = $1 GROUP BY t.last_seq`, [env.thread.id])).rows;
  t.same(seqs.seqs, Array.from({ length: seqs.last }, (_, i) => i + 1), "the thread's events are numbered without a gap, up to its last_seq");
  const [reply] = cases;
  t.match(reply[1].body.post, { status: 'pending' });
  t.match(reply[1].body.post.html, /a \*\*\*\* reply with/, 'the masked text is what is stored and rendered');
});

t.test('the insert checks the thread and the parent again: what changed after the placement refuses it, and writes nothing', async (t) => {
  const env = await moderationEnv(t, {});
  const parent = await env.api.app.inject({ method: 'POST', url: `/v1/threads/${env.thread.id}/posts`, headers: { authorization: `Bearer ${env.key}` }, payload: { message: 'the parent', author: { name: 'Mod', email: 'mod@example.com' } } });
  const parentId = parent.json().post.id as string;
  const route = await env.api.content({ threadId: env.thread.id });
  const elsewhere = (sql: string, values: unknown[]) => env.api.db.exec({ ...route, mode: 'write' }, sql, values);
  const need = { approvedCap: 1, guestSeen: true, recentLimit: 20 };
  const tryInsert = (change: () => Promise<unknown>) => env.api.db.tx(route, async (ex) => {
    const place = postSql.placePostValues({ threadId: env.thread.id, forumId: env.forum.id, parentId, maxDepth: 3, byModerator: false, userId: null });
    const facts = moderationFactsSql.authorFactsValues({ threadId: env.thread.id, forumId: env.forum.id, author: 'late@example.com', need, countedStatuses: ['approved'], windowSeconds: 86400, historyLimit: 1000 });
    const { rows } = await ex.query(postSql.placePostJudged('guest', false), [...place, ...facts.slice(2)]);
    t.ok(rows[0].id, 'placed: the thread was open and the parent visible');
    t.same(rows[0].ancestors, [parentId]);
    await change(); // another connection, while this transaction is open (the placement locked nothing)
    const p: postSql.NewPost = {
      threadId: env.thread.id, forumId: env.forum.id, parentId, maxDepth: 3, byModerator: false, userId: null, authorName: 'Late', authorEmail: 'late@example.com',
      editTokenHash: null, notify: false, message: 'late', html: '<p>late</p>', status: 'approved', moderationReasons: [], authorIp: null,
    };
    const post = postSql.newPostRecord({ id: String(rows[0].id), ancestors: rows[0].ancestors as string[], at: rows[0].at as Date }, p);
    return appendNewPost(ex, 'test', post, p);
  });
  const count = async () => (await elsewhere(`SELECT (SELECT count(*) FROM posts WHERE thread_id = $1)::int AS posts, (SELECT count(*) FROM events WHERE thread_id = $1)::int AS events`, [env.thread.id])).rows[0];
  const before = await count();
  t.equal(await tryInsert(() => elsewhere("UPDATE posts SET status = 'deleted' WHERE id = $1", [parentId])), undefined, 'the parent was deleted meanwhile: refused');
  t.same(await count(), before, 'no post, no event');
  await elsewhere("UPDATE posts SET status = 'approved' WHERE id = $1", [parentId]);
  t.equal(await tryInsert(() => elsewhere("UPDATE threads SET status = 'closed' WHERE id = $1", [env.thread.id])), undefined, 'the thread was closed meanwhile: refused');
  t.same(await count(), before, 'no post, no event');
  await elsewhere("UPDATE threads SET status = 'open' WHERE id = $1", [env.thread.id]);
  // a forum move fenced the forum meanwhile: the write is to be run again where the forum goes
  await t.rejects(tryInsert(() => elsewhere('INSERT INTO forum_fences (forum_id, to_shard) VALUES ($1, 1)', [env.forum.id])), ContentMovedError, 'fenced: ContentMovedError');
  t.same(await count(), before, 'no post, no event');
  await elsewhere('DELETE FROM forum_fences WHERE forum_id = $1', [env.forum.id]);
  const written = await tryInsert(async () => undefined);
  t.ok(written, 'nothing changed: written');
  t.same(await count(), { posts: before.posts + 1, events: before.events + 1 });
});

t.test('the facts statements use the indexes of migration 12', async (t) => {
  const env = await moderationEnv(t, {});
  const route = await env.api.content({ threadId: env.thread.id });
  // the tables are tiny here: forbid sequential scans so the plan shows which index would serve
  const plan = async (area: 'content' | 'forums', sql: string, values: unknown[]): Promise<string> => {
    const rows = await env.api.db.tx(area === 'content' ? route : { area: 'forums' }, async (ex) => {
      await ex.query('SET LOCAL enable_seqscan = off');
      return (await ex.query(`EXPLAIN ${sql}`, values)).rows;
    });
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  const need = { approvedCap: 3, guestSeen: true, recentLimit: 20 };
  const values = (author: string) => moderationFactsSql.authorFactsValues({ threadId: env.thread.id, forumId: env.forum.id, author, need, countedStatuses: ['approved'], windowSeconds: 86400, historyLimit: 1000 });
  const guest = await plan('content', moderationFactsSql.authorFacts('guest').text, values('guest@example.com'));
  t.match(guest, /posts_forum_guest_idx/, 'a guest by email: posts_forum_guest_idx');
  t.notMatch(guest, /Seq Scan on posts/);
  const user = await plan('content', moderationFactsSql.authorFacts('user').text, values('1'));
  t.match(user, /posts_forum_author_idx/, 'a user: posts_forum_author_idx');
  t.notMatch(user, /Seq Scan on posts/);
  // an instance with many bans, so the plan is the one a real instance gets
  await env.api.db.exec({ area: 'forums', mode: 'write' }, `INSERT INTO bans (forum_id, kind, value, net, reason, created_by)
    SELECT CASE WHEN i % 2 = 0 THEN $1::bigint END, k.kind, k.kind || i, CASE WHEN k.kind = 'range' THEN ('10.' || (i % 250) || '.' || (i / 250 % 250) || '.0/24')::cidr END, '', 'test'
    FROM generate_series(1, 3000) i, (VALUES ('user'), ('email'), ('range')) k(kind)`, [env.forum.id]);
  await env.api.db.exec({ area: 'forums', mode: 'write' }, 'ANALYZE bans');
  const bans = await plan('forums', moderationFactsSql.bansOfAuthor.text, [env.forum.id, '1', 'guest@example.com', '127.0.0.1']);
  t.match(bans, /bans_value_idx/, 'accounts and emails: bans_value_idx');
  t.match(bans, /bans_net_idx/, 'addresses: bans_net_idx');
  // the one-statement form runs only where the forums database is the shard's own
  if (env.api.db.primaryUrl({ area: 'forums' }) !== env.api.db.primaryUrl(route)) return;
  const together = await plan('content', moderationFactsSql.authorFacts('guest', true).text, [
    ...moderationFactsSql.authorFactsValues({ threadId: env.thread.id, forumId: env.forum.id, author: 'guest@example.com', need, countedStatuses: ['approved'], windowSeconds: 86400, historyLimit: 1000, bans: { userId: null, email: 'guest@example.com', ip: '127.0.0.1' } }),
  ]);
  t.match(together, /posts_forum_guest_idx[\s\S]*bans_value_idx[\s\S]*bans_net_idx/, 'the one-statement form uses the same indexes');
  t.notMatch(bans, /Seq Scan/);
  // the placement that reads the facts (a new comment's path)
  const place = postSql.placePostValues({ threadId: env.thread.id, forumId: env.forum.id, parentId: null, maxDepth: 3, byModerator: false, userId: null });
  const facts = moderationFactsSql.authorFactsValues({ threadId: env.thread.id, forumId: env.forum.id, author: 'guest@example.com', need, countedStatuses: ['approved'], windowSeconds: 86400, historyLimit: 1000, bans: { userId: null, email: 'guest@example.com', ip: '127.0.0.1' } });
  const judged = await plan('content', postSql.placePostJudged('guest', true).text, [...place, ...facts.slice(2)]);
  t.match(judged, /posts_forum_guest_idx[\s\S]*bans_value_idx[\s\S]*bans_net_idx/, 'the placement reads them by the same indexes');
  t.notMatch(judged, /Seq Scan on (posts|bans)/);
});
