// Reply emails end to end: posts through the API, the worker runtime drained by the test, a real
// SMTP server that reads what arrives.
import t from 'tap';
import { loggedEventFromRow, type Config, type LoggedEvent } from '@parley/data';
import type { EventType } from '@parley/domain';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';
import { testSmtp, type TestSmtp } from '../../../test/harness/smtp.ts';
import { testWorker, type TestWorker } from '../../../test/harness/worker.ts';
import { SignalRegistry } from '../src/index.ts';
import { connectReplyEmails, emailQueue, type ReplyEmailJob } from '../src/email/index.ts';

const SECRET = 'test-secret-for-unsubscribe-links';

interface Env {
  api: TestApi;
  smtp: TestSmtp;
  worker: TestWorker;
  slug: string;
  moderatorKey: string;
  thread: { id: string };
  logs: string[];
}

async function setup(tt: TapTest, overrides: Partial<Config> = {}, forumSettings?: Record<string, unknown>): Promise<Env> {
  const smtp = await testSmtp(tt);
  const api = await testApi(tt, { secret: SECRET, publicUrl: 'http://parley.test', smtpUrl: smtp.url, ...overrides });
  const logs: string[] = [];
  const worker = await testWorker(tt, { db: api.db, url: api.url, config: api.config }, { registry: connectReplyEmails(new SignalRegistry()), log: (l) => logs.push(l) });
  const { forum, moderatorKey } = await api.forum(undefined, forumSettings);
  const thread = await api.thread(forum.slug);
  return { api, smtp, worker, slug: forum.slug, moderatorKey, thread, logs };
}

/**
 * Drains the worker until every event in the log has been relayed and handled. The relay only
 * moves past transactions the whole cluster has finished, so a transaction in another test's
 * database can hold it back for a moment: poll with a deadline rather than trust one drain.
 */
async function settle(env: Pick<Env, 'api' | 'worker'>, deadlineMs = 30_000): Promise<void> {
  // drain() runs until every committed event is relayed and every queue is empty
  await env.worker.drain({ deadlineMs });
}

const guest = (name: string, email = `${name.toLowerCase()}@example.com`) => ({ author: { name, email } });

async function emailLog(api: TestApi): Promise<{ recipient: string; status: string; reason: string | null; event_id: string }[]> {
  const { rows } = await api.db.exec({ area: 'accounts', mode: 'read' }, 'SELECT event_id, recipient, status, reason FROM email_log ORDER BY id');
  return rows as never;
}

/** The events of the log, decoded as the worker sees them (to dispatch them again by hand). */
async function logEvents(api: TestApi, types: EventType[]): Promise<LoggedEvent[]> {
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, 'SELECT * FROM events WHERE type = ANY($1) ORDER BY id', [types]);
  return rows.map(loggedEventFromRow);
}

async function emailJobs(api: TestApi): Promise<{ id: string; data: ReplyEmailJob; retryCount: number }[]> {
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT id::text, data, retry_count FROM pgboss.job WHERE name = 'parley.email' ORDER BY created_on`);
  return rows.map((r) => ({ id: r.id, data: r.data, retryCount: r.retry_count }));
}

t.test('a reply emails the parent author; the unsubscribe link works and stops further emails', async (t) => {
  const { api, smtp, worker, thread } = await setup(t);
  const parent = await api.post(thread.id, { ...guest('Alice'), notify: true, message: 'First!' });
  await api.post(thread.id, { ...guest('Bob'), parentId: parent.post.id, message: 'Hi *Alice* & <script>alert(1)</script> "friends"' });
  await settle({ api, worker });
  const [mail] = await smtp.waitFor(1);
  t.same(mail.to, ['alice@example.com'], 'to the parent author');
  t.match(mail.subject, /^Bob replied to your comment on "A page"$/);
  t.match(mail.text, /Hi Alice,/);
  t.match(mail.text, /> Hi \*Alice\* & <script>alert\(1\)<\/script> "friends"/, 'the plain text carries the reply as written');
  t.match(mail.text, /Read the conversation: https:\/\/example\.com\/page/);
  t.match(mail.html, /<em>Alice<\/em> &amp;/, 'the HTML carries the rendered reply');
  t.notMatch(mail.html, /<script>/, 'no script in the HTML');
  t.match(mail.html, /<strong>Bob<\/strong> replied/);
  t.match(mail.html, /href="https:\/\/example\.com\/page"/);
  t.match(String(mail.headers.get('message-id')), /^<reply\.\d+\.\d+@parley\.test>$/);

  const link = /Unsubscribe: (http:\/\/parley\.test\/v1\/unsubscribe\?token=\S+)/.exec(mail.text)?.[1];
  t.ok(link, 'the text has the unsubscribe link');
  t.match(mail.html, `href="${link}"`, 'and so has the HTML');
  const listHeader = mail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\s+/g, '');
  t.equal(listHeader, `List-Unsubscribe:<${link}>`, 'and the List-Unsubscribe header');
  const res = await api.req('GET', link!.replace('http://parley.test', ''));
  t.equal(res.status, 200);
  t.same(res.body, { unsubscribed: true, email: 'alice@example.com' });

  await api.post(thread.id, { ...guest('Carol'), parentId: parent.post.id });
  await settle({ api, worker });
  t.equal(smtp.messages.length, 1, 'no email after unsubscribing');
  t.same((await emailLog(api)).map((r) => [r.recipient, r.status, r.reason]), [
    ['alice@example.com', 'sent', null],
    ['alice@example.com', 'skipped', 'opted_out'],
  ]);
});

t.test('no email for replying to yourself, as a guest (same address) or as a user', async (t) => {
  const { api, smtp, worker, thread } = await setup(t);
  const parent = await api.post(thread.id, { ...guest('Alice'), notify: true });
  await api.post(thread.id, { ...guest('Alice again', 'ALICE@example.com'), parentId: parent.post.id });

  const reg = await api.req('POST', '/v1/users', { body: { username: 'dora', email: 'dora@example.com', password: 'correct horse' } });
  t.equal(reg.status, 201);
  const mine = await api.post(thread.id, { notify: true }, reg.body.token);
  await api.post(thread.id, { parentId: mine.post.id }, reg.body.token);
  // a guest using the user's address is the same person too
  await api.post(thread.id, { ...guest('Dora', 'dora@example.com'), parentId: mine.post.id });
  await settle({ api, worker });
  t.equal(smtp.messages.length, 0);
  t.same(await emailLog(api), [], 'nothing even enqueued');

  await api.post(thread.id, { ...guest('Eve'), parentId: mine.post.id });
  await settle({ api, worker });
  const [mail] = await smtp.waitFor(1);
  t.same(mail.to, ['dora@example.com'], "a user's email comes from the account");
});

t.test('no email without opt-in', async (t) => {
  const { api, smtp, worker, thread } = await setup(t);
  const parent = await api.post(thread.id, { ...guest('Alice') });
  await api.post(thread.id, { ...guest('Bob'), parentId: parent.post.id });
  const top = await api.post(thread.id, { ...guest('Carol'), notify: true });
  await settle({ api, worker });
  t.equal(smtp.messages.length, 0, 'neither for a parent without notify nor for a top-level post');
  t.ok(top.post.id);
});

t.test('at most PARLEY_EMAIL_PER_HOUR emails per recipient per hour; the rest are skipped and recorded', async (t) => {
  const { api, smtp, worker, thread } = await setup(t, { emailPerHour: 2 });
  const a = await api.post(thread.id, { ...guest('Alice'), notify: true });
  const b = await api.post(thread.id, { ...guest('Bob'), notify: true });
  for (let i = 0; i < 3; i++) await api.post(thread.id, { ...guest(`R${i}`), parentId: a.post.id });
  await api.post(thread.id, { ...guest('R9'), parentId: b.post.id });
  await settle({ api, worker });
  await smtp.waitFor(3);
  t.same(smtp.messages.map((m) => m.to[0]).sort(), ['alice@example.com', 'alice@example.com', 'bob@example.com']);
  const log = await emailLog(api);
  t.same(log.filter((r) => r.status === 'skipped').map((r) => [r.recipient, r.reason]), [['alice@example.com', 'cap']]);
});

t.test('a pre-moderated reply emails once it is approved, and only once', async (t) => {
  const { api, smtp, worker, thread, moderatorKey } = await setup(t, {}, { preModeration: true });
  const parent = await api.post(thread.id, { ...guest('Alice'), notify: true }, moderatorKey);
  t.equal(parent.post.status, 'approved', "the moderator's own post is published");
  const reply = await api.post(thread.id, { ...guest('Bob'), parentId: parent.post.id });
  t.equal(reply.post.status, 'pending');
  await settle({ api, worker });
  t.equal(smtp.messages.length, 0, 'nothing while pending');

  const act = (action: string) => api.req('POST', `/v1/posts/${reply.post.id}/${action}`, { token: moderatorKey });
  t.equal((await act('approve')).status, 200);
  await settle({ api, worker });
  const [mail] = await smtp.waitFor(1);
  t.same(mail.to, ['alice@example.com']);

  // published again later: no second email for the same reply
  t.equal((await act('spam')).status, 200);
  t.equal((await act('approve')).status, 200);
  t.equal((await act('delete')).status, 200);
  t.equal((await act('restore')).status, 200);
  await settle({ api, worker });
  t.equal(smtp.messages.length, 1, 'one email per reply, however often it is published');
});

t.test('running the same events again, or the same email jobs again, sends nothing new', async (t) => {
  const { api, smtp, worker, thread, logs } = await setup(t);
  const parent = await api.post(thread.id, { ...guest('Alice'), notify: true });
  await api.post(thread.id, { ...guest('Bob'), parentId: parent.post.id });
  await settle({ api, worker });
  await smtp.waitFor(1);

  // a signals batch that runs again (a crashed worker, a retry): the events are claimed already
  const events = await logEvents(api, ['PostCreated']);
  t.equal(events.length, 2);
  const ctx = worker.runtime.ctx;
  await connectReplyEmails(new SignalRegistry()).dispatch(events, ctx);
  t.same(await emailJobs(api).then((j) => j.length), 1, 'no second job enqueued');
  await settle({ api, worker });

  // an email job that runs again: the log says sent
  const jobs = await emailJobs(api);
  await emailQueue.handle(jobs, ctx);
  t.equal(smtp.messages.length, 1, 'a finished job run again sends nothing');

  // a worker that died mid-send left the row in `sending`: the retry does not send again
  await api.db.exec({ area: 'accounts', mode: 'write' }, `UPDATE email_log SET status = 'sending'`);
  await emailQueue.handle(jobs, ctx);
  t.equal(smtp.messages.length, 1, 'an interrupted send is not repeated');
  t.match(logs.join('\n'), /interrupted earlier; not sending again/);
});

t.test('a refused send is retried; a permanent refusal is recorded and not retried', async (t) => {
  const { api, smtp, worker, thread } = await setup(t);
  const parent = await api.post(thread.id, { ...guest('Alice'), notify: true });
  await api.post(thread.id, { ...guest('Bob'), parentId: parent.post.id });
  smtp.refuseWith(451);
  await settle({ api, worker }); // the email job fails and waits for its retry delay
  t.same((await emailLog(api)).map((r) => r.status), ['failed']);
  const jobs = await emailJobs(api);
  t.equal(jobs.length, 1);

  smtp.refuseWith(null);
  await emailQueue.handle(jobs, worker.runtime.ctx); // the retry, run now instead of after the delay
  await smtp.waitFor(1);
  t.same((await emailLog(api)).map((r) => r.status), ['sent']);

  const other = await api.post(thread.id, { ...guest('Carol'), notify: true });
  await api.post(thread.id, { ...guest('Bob'), parentId: other.post.id });
  smtp.refuseWith(550);
  await settle({ api, worker });
  const log = await emailLog(api);
  t.equal(log[1].status, 'failed');
  t.match(log[1].reason, /550/);
  const again = (await emailJobs(api)).filter((j) => j.data.to === 'carol@example.com');
  smtp.refuseWith(null);
  await emailQueue.handle(again, worker.runtime.ctx);
  t.equal(smtp.messages.length, 1, 'a permanent failure is final');
});

t.test('without SMTP_URL emails are recorded as skipped, not sent', async (t) => {
  const { api, smtp, worker, thread } = await setup(t, { smtpUrl: undefined });
  const parent = await api.post(thread.id, { ...guest('Alice'), notify: true });
  await api.post(thread.id, { ...guest('Bob'), parentId: parent.post.id });
  await settle({ api, worker });
  t.equal(smtp.messages.length, 0);
  t.same((await emailLog(api)).map((r) => [r.status, r.reason]), [['skipped', 'no_smtp']]);
});
