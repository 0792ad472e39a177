// What the rules cost a write: the facts are one statement on the content shard and one on the
// forums database, read before the transaction; a forum with the phases off pays nothing; the
// statements use migration 12's indexes.
import { moderationFactsSql } from '@parley/data';
import t from 'tap';
import { countQueries } from '../../../test/harness/query-count.ts';
import { allPhasesOff, moderationEnv } from './moderation-env.ts';

const verbs = (statements: string[]) => statements.map((s) => s.split(': ')[1].split(' ')[0]);

t.test('the default rules add one query per database, before the transaction; all phases off add none', async (t) => {
  const on = await moderationEnv(t, {});
  const shard = await on.api.contentAlias({ threadId: on.thread.id });
  await on.say('warm the forum cache');
  await on.api.app.publisher.flushed();
  const write = async (env: typeof on) => {
    const r = await env.say('a counted comment with https://example.com/link', { email: 'counted@example.com' });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    await env.api.app.publisher.flushed();
  };
  const withRules = await countQueries(on.api.db, () => write(on));
  // one database for forums and content (the default): the bans come in the facts statement
  const oneDatabase = on.api.db.primaryUrl({ area: 'forums' }) === on.api.db.primaryUrl(await on.api.content({ threadId: on.thread.id }));
  t.same(withRules.counts, oneDatabase ? { [shard]: 6 } : { [shard]: 6, forums: 1 }, withRules.statements.join('\n'));
  t.same(verbs(withRules.statements.filter((s) => s.startsWith(shard))), ['SELECT', 'BEGIN', 'WITH', 'WITH', 'COMMIT', 'SELECT'], 'the facts come before BEGIN');

  const off = await moderationEnv(t, allPhasesOff);
  await off.say('warm');
  await off.api.app.publisher.flushed();
  const without = await countQueries(off.api.db, () => write(off));
  t.same(without.counts, { [await off.api.contentAlias({ threadId: off.thread.id })]: 5 }, 'as without the rules: the transaction and the publish');

  const bansOnly = await moderationEnv(t, { ...allPhasesOff, bans: { enabled: true } });
  await bansOnly.say('warm');
  await bansOnly.api.app.publisher.flushed();
  const onlyBans = await countQueries(bansOnly.api.db, () => write(bansOnly));
  t.same(onlyBans.counts, { [await bansOnly.api.contentAlias({ threadId: bansOnly.thread.id })]: 5, forums: 1 }, 'bans only: the forums query alone');
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
});
