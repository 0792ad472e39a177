// POST /v1/forums/:slug/rules/backtest: a proposed rule set replayed over the forum's past comments.
// The counts are checked against an independent SQL query over the posts' final statuses; the
// limits (one run per forum, the comment ceiling), the refusals, and cancellation by disconnect.
import t from 'tap';
import pg from 'pg';
import { lockBacktest } from '@parley/data';
import { ADMIN_TOKEN, overHttp, testApi, type TestApi } from '../../../test/harness/app.ts';

const onlyBlocklist = (term: string) => ({
  bans: { enabled: false },
  links: { enabled: false },
  newCommenter: { enabled: false },
  spamHeuristics: { enabled: false },
  blocklist: { enabled: true, entries: [{ kind: 'word', term, action: 'spam' }] },
});

const lines = (body: unknown): any[] => (typeof body === 'string' ? body : `${JSON.stringify(body)}\n`).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));

async function backtest(api: TestApi, slug: string, key: string, body: unknown) {
  const r = await api.req('POST', `/v1/forums/${slug}/rules/backtest`, { token: key, body });
  return { ...r, lines: r.status === 200 ? lines(r.body) : [] };
}

/** A forum whose comments went every way: published, deleted, marked as spam, approved after waiting, still waiting. */
async function seededForum(api: TestApi) {
  const { forum, moderatorKey } = await api.forum();
  const threads = [await api.thread(forum.slug), await api.thread(forum.slug), await api.thread(forum.slug)];
  const moderate = (postId: string, action: string) => api.req('POST', `/v1/posts/${postId}/${action}`, { token: moderatorKey });
  for (let i = 0; i < 30; i++) {
    const message = i % 3 === 0 ? `Win big at the CASINO tonight, offer ${i}` : `A reply about the article, number ${i}`;
    const { post } = await api.post(threads[i % 3].id, { message, author: { name: `Reader ${i % 7}`, email: `reader${i % 7}@example.org` } });
    if (i % 5 === 1) await moderate(post.id, 'delete');
    else if (i % 5 === 2) await moderate(post.id, 'spam');
  }
  await api.req('PATCH', `/v1/forums/${forum.slug}`, { token: moderatorKey, body: { settings: { preModeration: true } } });
  for (let i = 0; i < 4; i++) {
    const { post } = await api.post(threads[0].id, { message: i < 2 ? `casino bonus ${i}` : `waiting comment ${i}` });
    if (i % 2 === 0) await moderate(post.id, 'approve');
  }
  await api.req('PATCH', `/v1/forums/${forum.slug}`, { token: moderatorKey, body: { settings: { preModeration: false } } });
  // the forum's own key writes outside the rules: not judged
  await api.post(threads[1].id, { message: 'casino note from the moderators', author: { name: 'Mod', email: 'mod@example.org' } }, moderatorKey);
  return { forum, moderatorKey, threads };
}

t.test('the matrix of verdicts against fates matches an independent count over the posts', async (t) => {
  const api = await testApi(t, { backtestPageSize: 7 });
  const { forum, moderatorKey, threads } = await seededForum(api);
  const shard = await api.contentAlias({ threadId: threads[0].id });
  const queries: string[] = [];
  const kind = (text: string) => (text.includes('LEFT JOIN posts') ? 'page' : text.includes('array_agg') ? 'fates' : /FROM (\w+)/.exec(text)?.[1]);
  const stop = api.db.onQuery((alias, text) => void queries.push(`${alias} ${kind(text)}`));
  const r = await backtest(api, forum.slug, moderatorKey, { rules: onlyBlocklist('casino') });
  stop();
  t.equal(r.status, 200, JSON.stringify(r.body));
  t.match(r.headers['content-type'], /application\/x-ndjson/);
  const result = r.lines.at(-1);
  const progress = r.lines.slice(0, -1);
  t.equal(result.type, 'result');
  t.ok(progress.length >= 5 && progress.every((p) => p.type === 'progress'), 'a progress line per page of 7 events');
  t.ok(progress.every((p, i) => i === 0 || p.events > progress[i - 1].events), 'progress grows');

  // independent: the posts' final statuses, by whether the message holds the word (the moderators' post left out)
  const rows = await api.everywhere(
    `SELECT message ~* '\\mcasino\\M' AS hit,
       CASE WHEN status = 'approved' AND initial_status = 'pending' THEN 'approvedAfterHold' ELSE status END AS fate, count(*)::int AS n
     FROM posts WHERE forum_id = $1 AND author_name <> 'Mod' GROUP BY 1, 2`,
    [forum.id],
  );
  const expected: Record<string, Record<string, number>> = { spam: {}, approved: {} };
  for (const row of rows) expected[row.hit ? 'spam' : 'approved'][row.fate] = row.n;
  const nonZero = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([, n]) => n > 0));
  t.same(nonZero(result.matrix.spam), expected.spam, 'comments with the word: spam, by what happened');
  t.same(nonZero(result.matrix.approved), expected.approved, 'the others pass, by what happened');
  t.same([result.matrix.held, result.matrix.rejected].map(nonZero), [{}, {}], 'nothing else');
  t.equal(result.comments, 34);
  t.same(result.skipped, { byModerator: 1, unreadable: 0 });
  t.equal(result.falsePositives.count, (expected.spam.approved ?? 0) + (expected.spam.approvedAfterHold ?? 0), 'false positives: would be spam, stayed or went up');
  t.equal(result.misses.count, (expected.approved.deleted ?? 0) + (expected.approved.spam ?? 0), 'misses: would pass, were removed');
  t.ok(result.falsePositives.count > 0 && result.misses.count > 0, 'the seed has both');
  t.match(result.falsePositives.sample[0], { postId: String, verdict: 'spam', reasons: [{ phase: 'blocklist', code: 'blocklisted_word' }] });
  t.same(result.reasons, { blocklisted_word: result.verdicts.spam });
  t.equal(result.truncated, false);
  t.match(result.assumptions.join('\n'), /bans: none/);
  t.equal(result.rules.blocklist.entries[0].term, 'casino', 'the full rule set replayed is returned');

  // per page of the log: the page, and its posts' later events; the authors' ages only for accounts
  // (none here); the forum's roles once; the forum itself once
  const pages = Math.ceil(result.events / 7);
  const count = (q: string) => queries.filter((x) => x === q).length;
  t.equal(count(`${shard} page`), pages + (result.events % 7 === 0 ? 1 : 0), 'one query per page of the log (and an empty last one after a full page)');
  t.equal(count(`${shard} fates`), pages, 'one for the later events of its posts');
  t.same(queries.filter((x) => /^content\.\d+ (events|posts|threads)$/.test(x)), [], 'no other read of the log or the posts');
  t.equal(count('accounts forum_roles'), 1);
  t.equal(queries.filter((x) => x === 'accounts users').length, 0, 'guests only: no account lookup');
});

t.test('the replay rebuilds each comment\'s facts as they were: approved so far, first guest email', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const th = await api.thread(forum.slug);
  const other = await api.thread(forum.slug);
  const ada = { name: 'Ada', email: 'Ada@example.org' };
  await api.post(th.id, { message: 'First words from Ada', author: ada });
  await api.post(other.id, { message: 'Second words from Ada', author: { ...ada, email: 'ada@EXAMPLE.org' } });
  await api.post(th.id, { message: 'Bob says hello', author: { name: 'Bob', email: 'bob@example.org' } });
  const rules = { bans: { enabled: false }, links: { enabled: false }, spamHeuristics: { enabled: false }, newCommenter: { enabled: true, minApprovedComments: 1, holdFirstGuestEmail: true } };
  const { lines: out } = await backtest(api, forum.slug, moderatorKey, { rules });
  const result = out.at(-1);
  t.same(result.verdicts, { approved: 1, held: 2, spam: 0, shadowed: 0, rejected: 0 }, 'first comments wait; Ada\'s second (any case) had one approved before it');
  t.same(result.reasons, { few_approved_comments: 2, first_guest_comment: 2 });

  // an account with a role in the forum writes outside the rules: not judged
  const mod = await api.req('POST', '/v1/users', { body: { username: 'bt-mod', email: 'bt-mod@example.org', password: 'correct horse battery' } });
  t.equal((await api.req('PUT', `/v1/forums/${forum.slug}/roles/${mod.body.user.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } })).status, 200);
  await api.post(th.id, { message: 'A word from the moderators' }, mod.body.token);
  const again = (await backtest(api, forum.slug, moderatorKey, { rules })).lines.at(-1);
  t.same([again.comments, again.skipped.byModerator], [3, 1]);
});

t.test('bans given are replayed: a ban rejects, a shadow ban shadows, an expired one is ignored', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const th = await api.thread(forum.slug);
  for (const email of ['troll@example.org', 'lurker@example.org', 'ada@example.org', 'old@example.org']) {
    await api.post(th.id, { message: `a comment from ${email}`, author: { name: 'Someone', email } });
  }
  const rules = { newCommenter: { enabled: false }, links: { enabled: false }, spamHeuristics: { enabled: false } };
  const bans = [
    { kind: 'email', value: 'TROLL@example.org', reason: 'abuse' },
    { kind: 'email', value: 'lurker@example.org', mode: 'shadow' },
    { kind: 'email', value: 'old@example.org', expiresAt: '2020-01-01T00:00:00Z' },
    { kind: 'ip', value: '203.0.113.0' },
  ];
  const result = (await backtest(api, forum.slug, moderatorKey, { rules, bans })).lines.at(-1);
  t.same(result.verdicts, { approved: 2, held: 0, spam: 0, shadowed: 1, rejected: 1 });
  t.same(result.reasons, { banned_email: 1, shadow_banned: 1 });
  t.match(result.assumptions[0], /the 4 given/);
  const bad = await backtest(api, forum.slug, moderatorKey, { rules, bans: [{ kind: 'email', value: 'x', expiresAt: 'soon' }] });
  t.equal(bad.status, 400);
});

t.test('refusals: bad rules, no credential, another forum\'s key, a body past the limit', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const other = await api.forum();
  const bad = await backtest(api, forum.slug, moderatorKey, { rules: { spamHeuristics: { repeatedTextCount: 1 } } });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'invalid_settings');
  t.match(bad.body.error.message, /repeatedTextCount must be 0 \(off\) or at least 2/);
  const badDomain = await backtest(api, forum.slug, moderatorKey, { rules: { blocklist: { entries: [{ kind: 'domain', term: 'http://x', action: 'spam' }] } } });
  t.same([badDomain.status, badDomain.body.error.code], [400, 'invalid_settings']);
  t.match(badDomain.body.error.message, /entries\[0\]\.term must be a domain name/);
  const unknown = await backtest(api, forum.slug, moderatorKey, { rules: { nonsense: {} } });
  t.equal(unknown.status, 400, JSON.stringify(unknown.body));
  const none = await backtest(api, forum.slug, '', { rules: {} });
  t.same([none.status, none.body.error.code], [401, 'unauthorized']);
  const stranger = await backtest(api, forum.slug, other.moderatorKey, { rules: {} });
  t.same([stranger.status, stranger.body.error.code], [403, 'forbidden']);
  const missing = await backtest(api, 'no-such-forum', moderatorKey, { rules: {} });
  t.equal(missing.status, 404);
  const tooMany = await backtest(api, forum.slug, moderatorKey, { rules: {}, maxComments: api.config.backtestMaxComments + 1 });
  t.same([tooMany.status, tooMany.body.error.code], [400, 'invalid_field']);
  t.match(tooMany.body.error.message, /PARLEY_BACKTEST_MAX_COMMENTS/);
});

t.test('one backtest per forum at a time: 409 while another process runs one, then free again', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum();
  const release = await lockBacktest(api.db, forum.id);
  const busy = await backtest(api, forum.slug, moderatorKey, { rules: {} });
  t.same([busy.status, busy.body.error.code], [409, 'backtest_running']);
  const elsewhere = await api.forum();
  t.equal((await backtest(api, elsewhere.forum.slug, elsewhere.moderatorKey, { rules: {} })).status, 200, 'another forum is not held up');
  await release();
  const free = await backtest(api, forum.slug, moderatorKey, { rules: {} });
  t.equal(free.status, 200);
  t.same(free.lines.at(-1).comments, 0);
  t.equal((await backtest(api, forum.slug, moderatorKey, { rules: {} })).status, 200, 'a finished run released the forum');
});

t.test('the comment ceiling (PARLEY_BACKTEST_MAX_COMMENTS) and a lower maxComments truncate the run', async (t) => {
  const api = await testApi(t, { backtestMaxComments: 4 });
  const { forum, moderatorKey } = await api.forum();
  const th = await api.thread(forum.slug);
  for (let i = 0; i < 6; i++) await api.post(th.id, { message: `comment number ${i}` });
  const capped = (await backtest(api, forum.slug, moderatorKey, { rules: {} })).lines.at(-1);
  t.match(capped, { comments: 4, truncated: true, maxComments: 4 });
  const lower = (await backtest(api, forum.slug, moderatorKey, { rules: {}, maxComments: 2 })).lines.at(-1);
  t.match(lower, { comments: 2, truncated: true, maxComments: 2 });
});

t.test('closing the connection cancels the run and frees the forum', async (t) => {
  const api = await testApi(t, { backtestPageSize: 4 });
  const http = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const th = await api.thread(forum.slug);
  // the first page is guests only; the second holds an account's comment, whose age is looked up
  for (let i = 0; i < 4; i++) await api.post(th.id, { message: `guest comment ${i}` });
  const { token } = (await http('POST', '/v1/users', { username: 'bt-ada', email: 'bt-ada@example.org', password: 'correct horse battery' })).body;
  for (let i = 0; i < 20; i++) await api.post(th.id, { message: `account comment ${i}` }, token);
  const pages: string[] = [];
  const stop = api.db.onQuery((_alias, text) => void (text.includes('FROM events e LEFT JOIN posts') && pages.push(text)));
  t.teardown(stop);

  // hold the users table: the run stops at its second page until the client has gone
  const holder = new pg.Client({ connectionString: api.db.primaryUrl({ area: 'accounts' }) });
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');

  const address = api.app.server.address();
  const cancel = new AbortController();
  const res = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/forums/${forum.slug}/rules/backtest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${moderatorKey}` },
    body: JSON.stringify({ rules: {} }),
    signal: cancel.signal,
  });
  t.equal(res.status, 200);
  const reader = res.body!.getReader();
  let first = '';
  while (!first.includes('\n')) first += new TextDecoder().decode((await reader.read()).value);
  t.match(JSON.parse(first.split('\n')[0]), { type: 'progress', comments: 4 });
  cancel.abort();
  await reader.cancel().catch(() => {});
  // the server has seen the client go (its connection closed) before the held page is let through
  const connections = () => new Promise<number>((ok) => api.app.server.getConnections((_err, n) => ok(n)));
  for (const until = Date.now() + 10_000; (await connections()) > 0 && Date.now() < until;) await new Promise((ok) => setImmediate(ok));
  t.equal(await connections(), 0, 'the client is gone');
  await holder.query('COMMIT');

  // the forum is free again once the run has stopped
  const deadline = Date.now() + 10_000;
  let status = 409;
  while (status === 409 && Date.now() < deadline) status = (await backtest(api, forum.slug, moderatorKey, { rules: {}, maxComments: 1 })).status;
  t.equal(status, 200, 'the cancelled run released the forum');
  const cancelledPages = pages.length - 1; // the last run read one page
  t.ok(cancelledPages <= 3, `the cancelled run read ${cancelledPages} of 7 pages`);
});
