// The worker on a split topology (accounts with forums, content shards 0 and 1), before and after a
// forum move: webhook deliveries and replays, and reply emails, reach a real receiver and a real
// SMTP server. The replay of an event written before the move is read from the shard that holds
// it after the move (the event keeps its id), and a reply written after the move emails the
// author of a parent written before it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { shardOfId } from '@parley/data';
import { startWorker } from '@parley/worker';
import { moveForum } from '../apps/worker/src/moves/forum-move.ts';
import { testApi } from './harness/app.ts';
import { testSmtp } from './harness/smtp.ts';
import { forumOnShard, twoShards } from './harness/topology.ts';
import { until } from './harness/until.ts';

t.test('webhook replays and reply emails reach the workers on a split topology, across a forum move', async (t) => {
  const { db, c0, c1, sql } = await twoShards(t);
  const smtp = await testSmtp(t);
  const received: { eventId: string; type: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ eventId: String(req.headers['x-parley-event-id']), type: JSON.parse(Buffer.concat(chunks).toString('utf8')).type });
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())));
  const rxUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;

  const api = await testApi(t, { webhookAllowPrivate: true, secret: 'split-secret-0123456789abcdef0123', publicUrl: 'http://parley.test', smtpUrl: smtp.url }, db);
  const worker = await startWorker({ config: api.config, db, log: () => {} });
  t.teardown(() => worker.close());
  t.equal(worker.runtimes.length, 3, 'a runtime per database that holds events');

  const { moderatorKey } = await forumOnShard(api, 'split', 1);
  const hook = await api.req('POST', '/v1/forums/split/webhooks', { token: moderatorKey, body: { url: rxUrl, events: ['PostCreated'] } });
  t.equal(hook.status, 201);
  const thread = await api.thread('split', 'page');
  t.equal(shardOfId(thread.id), 1, 'the thread is on shard 1');
  const parent = await api.post(thread.id, { author: { name: 'Alice', email: 'alice@example.com' }, notify: true, message: 'First!' });
  await api.post(thread.id, { author: { name: 'Bob', email: 'bob@example.com' }, parentId: parent.post.id, message: 'A reply' });

  const [mail] = await smtp.waitFor(1, 30_000);
  t.same(mail.to, ['alice@example.com'], 'the reply email, from shard 1, reached the parent author');
  await until('both deliveries', 30_000, async () => (received.length >= 2 ? true : undefined));
  const first = received[0];
  t.equal(first.type, 'PostCreated');

  const replay = () => api.req('POST', `/v1/forums/split/webhooks/${hook.body.webhook.id}/replay`, { token: moderatorKey, body: { eventId: first.eventId } });
  t.equal((await replay()).status, 202);
  await until('the replay', 30_000, async () => (received.length >= 3 ? true : undefined));
  t.equal(received[2].eventId, first.eventId, "a replay (a forum event in accounts) delivers a shard-1 event again");

  const report = await moveForum(db, { slug: 'split', to: 0 });
  t.ok(report.removed, 'the forum moved to shard 0 and its old copy went');
  const [left] = await sql(c1.url, 'SELECT count(*)::int AS n FROM events');
  t.equal(left.n, 0, 'shard 1 holds no events any more');
  const [moved] = await sql(c0.url, 'SELECT count(*)::int AS n FROM events WHERE id = $1', [first.eventId]);
  t.equal(moved.n, 1, 'the event kept its id on shard 0');

  t.equal((await replay()).status, 202, 'a replay of the same event is accepted after the move');
  await until('the replay after the move', 30_000, async () => (received.length >= 4 ? true : undefined));
  t.equal(received[3].eventId, first.eventId, 'and delivered, read from shard 0');

  const late = await api.post(thread.id, { author: { name: 'Carol', email: 'carol@example.com' }, parentId: parent.post.id, message: 'Later' });
  t.equal(shardOfId(late.post.id), 0, 'a reply after the move has a shard-0 id');
  const mails = await smtp.waitFor(2, 30_000);
  t.same(mails[1].to, ['alice@example.com'], 'its email reached the author of the moved parent');
  await until('its delivery', 30_000, async () => (received.some((r) => r.eventId !== first.eventId && shardOfId(r.eventId) === 0) ? true : undefined));
  t.pass('its webhook delivery, from shard 0, arrived');
});
