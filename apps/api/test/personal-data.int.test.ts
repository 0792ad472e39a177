// Personal data over real HTTP (docs/adr/0011): the export, checked field by field against what
// was written (on the split layout the forums sit on both content shards), the export of a big
// user streamed in chunks, and account deletion in both forum modes: the token is refused at
// once, the posts are anonymized or removed, the cached page stops showing the name, and no
// event snapshot on any database still holds the user's name or address.
import pg from 'pg';
import t from 'tap';
import { accountSql, decodeSnapshot } from '@parley/data';
import { defaultRegistry, runErasure } from '../../worker/src/index.ts';
import { ADMIN_TOKEN, overHttp, testApi, type TestApi } from '../../../test/harness/app.ts';
import { testLayout, type TapTest } from '../../../test/harness/db.ts';
import { until } from '../../../test/harness/until.ts';
import { testWorker } from '../../../test/harness/worker.ts';

const password = 'a long enough password';

/** A forum on content shard `shard` when the layout has two (else the only one), with settings. */
async function forumOn(api: TestApi, shard: number, settings: Record<string, unknown> = {}): Promise<{ slug: string; id: string }> {
  const body = { slug: `pd-${shard}-${Math.random().toString(36).slice(2, 8)}`, name: 'Personal data', settings, ...(testLayout() === 'split' ? { shard } : {}) };
  const r = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body });
  if (r.status !== 201) throw new Error(`forum: ${r.status} ${JSON.stringify(r.body)}`);
  return { slug: r.body.forum.slug, id: r.body.forum.id };
}

async function register(api: TestApi, username: string, email: string): Promise<{ id: string; token: string }> {
  const r = await api.req('POST', '/v1/users', { body: { username, email, password } });
  if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.user.id, token: r.body.token };
}

/** Every event snapshot on every database, decoded, as JSON text. */
async function allSnapshots(api: TestApi): Promise<string[]> {
  const rows = await api.everywhere('SELECT snapshot FROM events');
  return rows.map((r) => JSON.stringify(decodeSnapshot(r.snapshot)).toLowerCase());
}

/** The listening API's base URL (overHttp started it). */
const baseOf = (api: TestApi) => {
  const a = api.app.server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
};

t.test('the export holds the account, sessions, posts with every revision and votes, field by field', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const ada = await register(api, 'export-ada', 'Export.Ada@example.com');
  const second = (await http('POST', '/v1/sessions', { username: 'export-ada', password })).body.token as string;
  const other = await register(api, 'export-bob', 'bob@example.com');
  const a = await forumOn(api, 0);
  const b = await forumOn(api, 1);
  const ta = await api.thread(a.slug);
  const tb = await api.thread(b.slug);
  const p1 = (await api.post(ta.id, { message: 'first words' }, ada.token)).post;
  const p2 = (await api.post(tb.id, { message: 'on the other forum' }, ada.token)).post;
  t.equal((await http('PATCH', `/v1/posts/${p1.id}`, { message: 'second words' }, ada.token)).status, 200, 'an edit makes a second revision');
  const theirs = (await api.post(ta.id, { message: 'not ada\'s' }, other.token)).post;
  t.equal((await http('PUT', `/v1/posts/${theirs.id}/vote`, { value: 1 }, ada.token)).status, 200);
  t.equal((await http('POST', `/v1/posts/${theirs.id}/flags`, { reason: 'spam', note: 'looks like an ad' }, ada.token)).status, 201);
  await api.post(ta.id, { message: 'a guest under ada\'s address', author: { name: 'Guest', email: 'export.ada@example.com' } });
  // what the worker's mail queues record for her address (reply emails, account links, an opt-out)
  const accounts = { area: 'accounts', mode: 'write' } as const;
  const mailed = await api.db.exec(accounts, `INSERT INTO email_log (event_id, post_id, recipient, status) VALUES (7, $1, 'export.ada@example.com', 'sent') RETURNING id::text, at`, [p1.id]);
  await api.db.exec(accounts, `INSERT INTO email_log (event_id, post_id, recipient, status) VALUES (8, $1, 'bob@example.com', 'sent')`, [p1.id]);
  await api.db.exec(accounts, `INSERT INTO account_email_log (event_id, kind, token_id, recipient, status, reason) VALUES (9, 'verify_email', 'tok', 'export.ada@example.com', 'skipped', 'no_smtp')`);
  await api.db.exec(accounts, `INSERT INTO email_optouts (email) VALUES ('export.ada@example.com'), ('bob@example.com')`);

  const res = await fetch(`${baseOf(api)}/v1/users/me/export`, { headers: { authorization: `Bearer ${ada.token}` } });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-disposition'), /^attachment; filename="parley-user-\d+\.json"$/);
  t.equal(res.headers.get('cache-control'), 'no-store');
  t.match(res.headers.get('content-type'), /^application\/json/);
  const text = await res.text();
  const doc = JSON.parse(text);
  t.equal(doc.format, 'parley-personal-data/1');
  t.equal(doc.account.id, ada.id);
  t.equal(doc.account.username, 'export-ada');
  t.equal(doc.account.email, 'Export.Ada@example.com');
  t.notOk(/password|hash/i.test(JSON.stringify(doc.account)), 'no password hash');
  t.equal(doc.sessions.length, 2, 'both sessions');
  for (const token of [ada.token, second]) t.notOk(text.includes(token.slice(5)), 'no token value');
  const listed = (await http('GET', '/v1/sessions', undefined, ada.token)).body.sessions.map((x: { id: string }) => x.id).sort();
  t.same(doc.sessions.map((x: { id: string }) => x.id).sort(), listed, 'sessions by the ids the session list shows');

  t.same(doc.posts.map((p: { id: string }) => p.id).sort(), [p1.id, p2.id].sort(), 'her posts on both forums, no one else\'s, no guest comment under her address');
  const first = doc.posts.find((p: { id: string }) => p.id === p1.id);
  t.match(first, { forumId: a.id, threadId: ta.id, parentId: null, status: 'approved', authorName: 'export-ada', authorEmail: null, message: 'second words', revision: 2 });
  t.same(first.revisions.map((r: { type: string; revision: number; message: string }) => [r.type, r.revision, r.message]), [
    ['PostCreated', 1, 'first words'],
    ['PostEdited', 2, 'second words'],
  ], 'every revision, from the event log');
  t.match(doc.posts.find((p: { id: string }) => p.id === p2.id), { forumId: b.id, message: 'on the other forum', revisions: [{ type: 'PostCreated' }] });
  t.same(doc.votes.map((v: { postId: string; value: number }) => [v.postId, v.value]), [[theirs.id, 1]], 'her vote');
  t.match(doc.reports, [{ postId: theirs.id, reason: 'spam', note: 'looks like an ad', createdAt: /^\d{4}-/ }], 'her report');
  t.same(doc.emailLog, [{ id: mailed.rows[0].id, eventId: '7', postId: p1.id, status: 'sent', reason: null, at: mailed.rows[0].at.toISOString() }], 'the reply emails to her address');
  t.match(doc.accountEmailLog, [{ eventId: '9', kind: 'verify_email', status: 'skipped', reason: 'no_smtp' }]);
  t.equal(doc.accountEmailLog.length, 1);
  t.match(doc.unsubscribes, [{ email: 'export.ada@example.com' }]);
  t.equal(doc.unsubscribes.length, 1, 'her opt-out, not bob\'s');

  t.equal((await http('GET', '/v1/users/me/export')).status, 401, 'without a token');
  const { moderatorKey } = await api.forum();
  t.equal((await http('GET', '/v1/users/me/export', undefined, moderatorKey)).status, 401, 'a moderator key has no personal data');
});

t.test('a big user\'s export streams in chunks', async (t) => {
  const api = await testApi(t);
  await overHttp(api);
  const ada = await register(api, 'big-ada', 'big@example.com');
  const f = await forumOn(api, 0);
  const thread = await api.thread(f.slug);
  const route = await api.content({ threadId: thread.id });
  const N = 2500;
  await api.db.exec({ ...route, mode: 'write' }, `INSERT INTO posts (thread_id, forum_id, depth, path, author_user_id, author_name, message, html, status, initial_status)
    SELECT $1, $2, 0, ARRAY[g::bigint], $3, 'big-ada', 'bulk ' || g, '<p>bulk</p>', 'approved', 'approved' FROM generate_series(1, $4::int) g`, [thread.id, f.id, ada.id, N]);
  const res = await fetch(`${baseOf(api)}/v1/users/me/export`, { headers: { authorization: `Bearer ${ada.token}` } });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-length'), null, 'no length up front: the body is written as it is read');
  t.equal(res.headers.get('transfer-encoding'), 'chunked');
  const reader = res.body!.getReader();
  let chunks = 0;
  let text = '';
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
  const doc = JSON.parse(text);
  t.equal(doc.posts.length, N, 'every post');
  t.ok(chunks >= N / 500, `arrived in ${chunks} chunks (a page of 500 posts at a time)`);
});

async function eraseSetup(t: TapTest) {
  // pages stay cached for a minute: what a reader sees after the erasure is the refilled page
  const api = await testApi(t, { cacheStaleMs: 60_000 });
  const http = await overHttp(api);
  // The test worker keeps its jobs in one database: on the split layout (three databases) the
  // relay cannot hand the shards' events to it, so there the job and the cache refill (what the
  // worker's handlers do) run by hand; the one-database layout runs the real worker
  const real = testLayout() === 'one' ? await testWorker(t, api, { registry: defaultRegistry(api.config, { read: api.app.parley.read }) }) : undefined;
  const worker = {
    /** Returns the erasure's status once the worker alone has run (the split layout: before the job ran) */
    async drain(erasureId?: string, threads: string[] = []): Promise<string | undefined> {
      await real?.drain();
      const status = erasureId ? (await api.everywhere('SELECT status FROM erasures WHERE id = $1', [erasureId]))[0]?.status : undefined;
      if (erasureId) await runErasure({ db: api.db, locator: api.app.parley.read.locator, log: () => {} }, erasureId);
      await real?.drain();
      if (!real) for (const id of threads) await api.app.parley.read.refillThread(id);
      return status;
    },
  };
  return { api, http, worker };
}

t.test('deleting an account: re-authenticated, token refused at once, posts anonymized or removed, snapshots scrubbed', async (t) => {
  const { api, http, worker } = await eraseSetup(t);
  const zelda = await register(api, 'zelda-erase-me', 'Zelda.Private@example.com');
  const other = await register(api, 'erase-bystander', 'bystander@example.com');
  const keep = await forumOn(api, 0);
  const remove = await forumOn(api, 1, { erasedAuthorPosts: 'remove' });
  const tk = await api.thread(keep.slug);
  const tr = await api.thread(remove.slug);
  const kept = (await api.post(tk.id, { message: 'a kept comment', notify: true }, zelda.token)).post;
  await http('PATCH', `/v1/posts/${kept.id}`, { message: 'a kept comment, edited' }, zelda.token);
  const removed = (await api.post(tr.id, { message: 'a removed comment' }, zelda.token)).post;
  const reply = (await api.post(tr.id, { message: 'a reply that stays', parentId: removed.id }, other.token)).post;
  await http('PUT', `/v1/posts/${kept.id}/vote`, { value: 1 }, other.token);
  await http('PUT', `/v1/posts/${reply.id}/vote`, { value: 1 }, zelda.token);
  t.equal((await http('POST', `/v1/posts/${reply.id}/flags`, { reason: 'off_topic' }, zelda.token)).status, 201, 'she reports a comment');
  const accounts = { area: 'accounts', mode: 'write' } as const;
  await api.db.exec(accounts, `INSERT INTO email_log (event_id, post_id, recipient, status) VALUES (7, $1, 'zelda.private@example.com', 'sent')`, [kept.id]);
  await api.db.exec(accounts, `INSERT INTO email_optouts (email) VALUES ('zelda.private@example.com')`);
  const page = await http('GET', `/v1/threads/${tk.id}/posts`);
  t.equal(page.body.posts[0].author.name, 'zelda-erase-me', 'the page is cached with her name');
  t.ok((await allSnapshots(api)).some((s) => s.includes('zelda-erase-me')), 'before: the log carries her name');
  await worker.drain();

  t.equal((await http('DELETE', '/v1/users/me', undefined, zelda.token)).body.error.code, 'reauthentication_required', 'a local account gives its password');
  t.equal((await http('DELETE', '/v1/users/me', { password: 'not the password' }, zelda.token)).body.error.code, 'invalid_credentials');
  t.equal((await http('DELETE', '/v1/users/me', { password }, undefined)).status, 401, 'without a token');
  const erased = await http('DELETE', '/v1/users/me', { password }, zelda.token);
  t.equal(erased.status, 202);
  t.match(erased.body, { erasure: { id: /^\d+$/, status: 'running' } });
  t.equal((await http('GET', '/v1/sessions', undefined, zelda.token)).status, 401, 'the deleted account\'s token answers 401 at once');
  t.equal((await http('GET', '/v1/users/me/export', undefined, zelda.token)).status, 401);
  t.equal((await http('POST', '/v1/sessions', { username: 'zelda-erase-me', password })).status, 401, 'and nobody signs in as her');

  // the worker runs the job (relaying UserErased), then relays the per-post events to the cache
  // refill; the job runs once more by hand after it, which is a no-op (it is idempotent)
  const byWorker = await worker.drain(erased.body.erasure.id, [tk.id, tr.id]);
  if (testLayout() === 'one') t.equal(byWorker, 'done', 'the worker ran the erasure on UserErased');

  const [row] = await api.everywhere('SELECT status, email, scrub, posts_done FROM erasures WHERE id = $1', [erased.body.erasure.id]);
  t.match(row, { status: 'done', email: null, scrub: [], posts_done: '2' }, 'done, with nothing personal left in its row');
  t.same(await api.everywhere('SELECT id FROM users WHERE id = $1', [zelda.id]), [], 'the account row is gone');
  t.same(await api.everywhere('SELECT post_id FROM post_flags WHERE reporter = $1', [`user:${zelda.id}`]), [], 'her reports are no longer hers');
  t.same((await api.everywhere('SELECT flag_count FROM posts WHERE id = $1', [reply.id]))[0], { flag_count: 1 }, 'though the count keeps that one was made');
  t.same(await api.everywhere(`SELECT recipient FROM email_log WHERE recipient = $1 UNION ALL SELECT email FROM email_optouts WHERE email = $1`, ['zelda.private@example.com']), [], 'and the mail traces of her address');
  t.same(await api.everywhere('SELECT id FROM posts WHERE author_user_id = $1 OR author_name = $2', [zelda.id, 'zelda-erase-me']), [], 'no post names her');

  const keptNow = (await http('GET', `/v1/threads/${tk.id}/posts`)).body.posts[0];
  t.match(keptNow, { id: kept.id, author: { name: 'deleted user' } }, 'anonymize: the cached page was refilled, the post is a deleted user\'s');
  t.notOk('profile' in keptNow.author, 'with no profile');
  t.match(keptNow.html, /a kept comment, edited/, 'and keeps its text');
  const [keptRow] = await api.everywhere('SELECT status, author_email, author_ip, notify, edit_token_hash FROM posts WHERE id = $1', [kept.id]);
  t.match(keptRow, { status: 'approved', author_email: null, author_ip: null, notify: false, edit_token_hash: null }, 'nothing of the author is left on the row, the address it was written from included');
  const [removedRow] = await api.everywhere('SELECT status, message, html, author_name FROM posts WHERE id = $1', [removed.id]);
  t.match(removedRow, { status: 'deleted', message: '', html: '', author_name: 'deleted user' }, 'remove: deleted, text gone');
  const removedPage = (await http('GET', `/v1/threads/${tr.id}/posts`)).body.posts;
  t.same(removedPage.map((p: { id: string }) => p.id), [removed.id, reply.id], 'the reply stays, under a tombstone');
  t.notOk(JSON.stringify(removedPage).includes('a removed comment'), 'the removed text is not served');

  const events = await api.everywhere('SELECT type, actor, post_id FROM events WHERE actor LIKE $1 ORDER BY id', [`erasure:${erased.body.erasure.id}`]);
  t.same(events.map((e) => [e.type, String(e.post_id)]).sort(), [['PostAuthorErased', kept.id], ['PostDeleted', removed.id]].sort(), 'one event per post');
  t.equal((await api.everywhere('SELECT 1 FROM events WHERE type = $1', ['UserErased'])).length, 1, 'and the erasure itself');

  const snapshots = await allSnapshots(api);
  for (const secret of ['zelda-erase-me', 'zelda.private@example.com', 'a removed comment']) {
    t.notOk(snapshots.some((s) => s.includes(secret)), `no event snapshot holds "${secret}"`);
  }
  t.ok(snapshots.some((s) => s.includes('a kept comment')), 'the kept post\'s revisions keep their text');
  t.ok(snapshots.some((s) => s.includes('erase-bystander')), 'another user is untouched');

  // running it again changes nothing
  t.same(await runErasure({ db: api.db, locator: api.app.parley.read.locator, log: () => {} }, erased.body.erasure.id), { posts: 0, snapshots: 0 });
});

t.test('an account without a password deletes itself within minutes of signing in', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const ada = await register(api, 'fresh-ada', 'fresh@example.com');
  const rows = await api.everywhere('SELECT 1 FROM users WHERE id = $1', [ada.id]);
  t.equal(rows.length, 1);
  // a site's user (SSO) has no password: stand one in by clearing it, then age the session
  await api.db.exec({ area: 'accounts', mode: 'write' }, 'UPDATE users SET password_hash = NULL WHERE id = $1', [ada.id]);
  await api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = $1`, [ada.id]);
  t.equal((await http('DELETE', '/v1/users/me', undefined, ada.token)).body.error.code, 'reauthentication_required', 'an old session is not enough');
  await api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE sessions SET created_at = now() WHERE user_id = $1`, [ada.id]);
  t.equal((await http('DELETE', '/v1/users/me', undefined, ada.token)).status, 202, 'a fresh one is');
  t.equal((await http('GET', '/v1/sessions', undefined, ada.token)).status, 401);
});

t.test('an account deleted while one of its links is being followed: one waits for the other, no deadlock', async (t) => {
  const api = await testApi(t);
  const ada = await register(api, 'ada-races', 'ada.races@example.com');
  const url = api.db.primaryUrl({ area: 'accounts' });
  const [link] = await api.everywhere("SELECT id FROM account_tokens WHERE user_id = $1 AND kind = 'verify_email'", [ada.id]);
  // the link's redemption, as verifyEmail runs it, held open between its two statements
  const follower = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await follower.connect();
  await watcher.connect();
  t.teardown(() => Promise.all([follower.end(), watcher.end()]));
  await follower.query('BEGIN');
  t.equal((await follower.query(accountSql.redeemToken, [link.id, 'verify_email'])).rowCount, 1, 'the link is taken');
  const deletion = api.req('DELETE', '/v1/users/me', { token: ada.token, body: { password } });
  // the deletion now waits for the link's lock (before it touches the account row)
  await until('the deletion waits for a lock', 10_000, async () => {
    const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
    return rows.length > 0 ? true : undefined;
  });
  const verified = await follower.query('UPDATE users SET email_verified_at = now() WHERE id = $1 RETURNING id', [ada.id]);
  t.equal(verified.rowCount, 1, 'the redemption reaches the account row: the deletion did not lock it first');
  await follower.query('COMMIT');
  t.equal((await deletion).status, 202, 'then the deletion goes on');
  t.same(await api.everywhere('SELECT id FROM users WHERE id = $1', [ada.id]), [], 'and the account is gone');
});
