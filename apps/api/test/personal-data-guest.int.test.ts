// A guest's personal data over real HTTP and real SMTP (docs/adr/0011): a request by address
// answers alike whoever asks, a link comes by mail only to an address that has comments, the
// export link streams the comments under the address, and the erasure link takes them (anonymized
// or removed per forum) and scrubs the log of the address and of the guest's name on them.
import t from 'tap';
import { decodeSnapshot, signAccountToken } from '@parley/data';
import { runErasure } from '../../worker/src/index.ts';
import type { ReceivedMail } from '../../../test/harness/smtp.ts';
import { ADMIN_TOKEN, type TestApi } from '../../../test/harness/app.ts';
import { testLayout } from '../../../test/harness/db.ts';
import { until } from '../../../test/harness/until.ts';
import { accountsEnv, SECRET, type AccountsEnv } from './accounts-env.ts';

async function forumOn(api: TestApi, shard: number, settings: Record<string, unknown> = {}): Promise<{ slug: string; id: string }> {
  const body = { slug: `guest-${shard}-${Math.random().toString(36).slice(2, 8)}`, name: 'Guests', settings, ...(testLayout() === 'split' ? { shard } : {}) };
  const r = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body });
  if (r.status !== 201) throw new Error(`forum: ${r.status} ${JSON.stringify(r.body)}`);
  return { slug: r.body.forum.slug, id: r.body.forum.id };
}

/** The link of a personal-data mail: its page and the token in its fragment. */
function linkOf(mail: ReceivedMail): { path: string; token: string } {
  const m = /http:\/\/parley\.test(\/personal-data\/\w+)#token=([\w.-]+)/.exec(mail.text);
  if (!m) throw new Error(`no link in: ${mail.text}`);
  return { path: m[1], token: m[2] };
}

/**
 * The mails the worker sent so far (at least `n`). The test worker keeps its jobs in one
 * database, and on the split layout the account events live in another it does not relay: there
 * the links are read from their rows and signed as the worker would (the real SMTP path is the
 * one-database layout's), and the worker is not drained.
 */
async function linksSent(env: AccountsEnv, n: number, email: string): Promise<{ to: string[]; path: string; token: string }[]> {
  if (testLayout() === 'one') return (await env.mails(n)).map((m) => ({ to: m.to, ...linkOf(m) }));
  // the request's work runs after its answer: wait for the rows
  const rows = await until(`${n} link(s)`, 20_000, async () => {
    const r = await env.api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT id, kind FROM account_tokens WHERE lower(email) = $1 ORDER BY created_at, id', [email]);
    return r.rows.length >= n ? r.rows : undefined;
  });
  return rows.map((r) => ({ to: [email], path: r.kind === 'guest_export' ? '/personal-data/export' : '/personal-data/erase', token: signAccountToken(SECRET, r.kind, r.id) }));
}

const drain = (env: AccountsEnv) => (testLayout() === 'one' ? env.worker.drain() : Promise.resolve());

t.test('a guest exports, then erases, the comments under their address', async (t) => {
  const env = await accountsEnv(t);
  const { api, http, smtp } = env;
  const keep = await forumOn(api, 0);
  const remove = await forumOn(api, 1, { erasedAuthorPosts: 'remove' });
  const tk = await api.thread(keep.slug);
  const tr = await api.thread(remove.slug);
  const gus = { name: 'Gus Guestly', email: 'Gus.G@example.com' };
  const kept = (await api.post(tk.id, { message: 'kept words', author: gus })).post;
  const removed = (await api.post(tr.id, { message: 'removed words', author: gus })).post;
  const other = (await api.post(tk.id, { message: 'someone else', author: { name: 'Olga Other', email: 'olga@example.com' } })).post;

  const unknown = await http('POST', '/v1/personal-data/requests', { body: { email: 'nobody@example.com', action: 'export' } });
  const known = await http('POST', '/v1/personal-data/requests', { body: { email: 'gus.g@EXAMPLE.com', action: 'export' } });
  t.equal(unknown.status, 202);
  t.same([known.status, known.body], [unknown.status, unknown.body], 'a known address and an unknown one get the same answer');
  t.equal((await http('POST', '/v1/personal-data/requests', { body: { email: 'not an address', action: 'export' } })).body.error.code, 'invalid_email');
  const [exportLink, ...more] = await linksSent(env, 1, 'gus.g@example.com');
  t.same(exportLink.to, ['gus.g@example.com'], 'one mail, to the address that has comments');
  t.same(more, []);
  t.equal(exportLink.path, '/personal-data/export');
  const page = await http('GET', exportLink.path);
  t.equal(page.status, 200);
  t.match(page.headers.get('content-security-policy'), /default-src 'none'; script-src 'sha256-/);

  const exported = await http('POST', '/v1/personal-data/export', { body: { token: exportLink.token } });
  t.equal(exported.status, 200);
  t.equal(exported.headers.get('cache-control'), 'no-store');
  t.match(exported.headers.get('content-disposition'), /^attachment/);
  t.equal(exported.body.guest.email, 'gus.g@example.com');
  t.same(exported.body.posts.map((p: { id: string }) => p.id).sort(), [kept.id, removed.id].sort(), 'the comments under the address, on every shard, no one else\'s');
  t.match(exported.body.posts.find((p: { id: string }) => p.id === kept.id), { authorName: 'Gus Guestly', authorEmail: 'Gus.G@example.com', message: 'kept words', revisions: [{ type: 'PostCreated', message: 'kept words' }] });
  t.equal((await http('POST', '/v1/personal-data/export', { body: { token: exportLink.token } })).body.error.code, 'invalid_account_token', 'a link works once');

  await http('POST', '/v1/personal-data/requests', { body: { email: 'gus.g@example.com', action: 'export' } });
  await http('POST', '/v1/personal-data/requests', { body: { email: 'gus.g@example.com', action: 'erase' } });
  const links = await linksSent(env, 2, 'gus.g@example.com');
  await drain(env);
  t.equal(testLayout() === 'one' ? smtp.messages.length : links.length, 2, 'a second export link so soon is not sent; the erasure link is');
  const eraseLink = links[1];
  t.equal(eraseLink.path, '/personal-data/erase');
  t.equal((await http('POST', '/v1/personal-data/erase', { body: { token: exportLink.token } })).body.error.code, 'invalid_account_token', 'an export link never erases');
  const erased = await http('POST', '/v1/personal-data/erase', { body: { token: eraseLink.token } });
  t.equal(erased.status, 202);
  t.match(erased.body, { erasure: { id: /^\d+$/, status: 'running' } });

  await drain(env);
  // idempotent: a no-op where the worker ran it; the split layout's test worker relays no account events
  await runErasure({ db: api.db, locator: api.app.parley.read.locator, log: () => {} }, erased.body.erasure.id);

  const [keptRow] = await api.everywhere('SELECT author_name, author_email, message, status FROM posts WHERE id = $1', [kept.id]);
  t.same(keptRow, { author_name: 'deleted user', author_email: null, message: 'kept words', status: 'approved' }, 'anonymized');
  const [removedRow] = await api.everywhere('SELECT author_name, author_email, message, status FROM posts WHERE id = $1', [removed.id]);
  t.same(removedRow, { author_name: 'deleted user', author_email: null, message: '', status: 'deleted' }, 'removed');
  const [otherRow] = await api.everywhere('SELECT author_name, author_email FROM posts WHERE id = $1', [other.id]);
  t.same(otherRow, { author_name: 'Olga Other', author_email: 'olga@example.com' }, 'another guest keeps hers');
  const snapshots = (await api.everywhere('SELECT snapshot FROM events')).map((r) => JSON.stringify(decodeSnapshot(r.snapshot)).toLowerCase());
  for (const gone of ['gus.g@example.com', 'gus guestly', 'removed words']) t.notOk(snapshots.some((s) => s.includes(gone)), `no snapshot holds "${gone}"`);
  t.ok(snapshots.some((s) => s.includes('olga other')), 'the other guest is still in the log');
  t.same(await api.everywhere('SELECT 1 FROM account_tokens WHERE lower(email) = $1', ['gus.g@example.com']), [], 'the links are gone');
});
