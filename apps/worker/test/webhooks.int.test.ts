// Webhooks end to end: API writes → event log → relay → webhooks handler → delivery queue → a real
// HTTP receiver on loopback, which checks what a real integrator would check.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { loadConfig, loggedEventFromRow, type Config, type LoggedEvent } from '@parley/data';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { until } from '../../../test/harness/until.ts';
import { testWorker } from '../../../test/harness/worker.ts';
import { countQueries } from '../../../test/harness/query-count.ts';
import { SignalRegistry } from '../src/index.ts';
import { connectWebhooks, webhooksHandler } from '../src/webhooks/index.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A receiver on 127.0.0.1 that records every request and answers what `answer` says. */
async function receiver(t: Test, answer: (n: number, path: string) => number | 'hang' = () => 200) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const a = answer(requests.length, req.url ?? '');
      if (a === 'hang') return;
      res.writeHead(a, a >= 300 && a < 400 ? { location: `http://127.0.0.1:${port}/elsewhere` } : {});
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((ok) => server.close(() => ok()));
  });
  return { url: `http://127.0.0.1:${port}`, requests };
}

const verify = (secret: string, r: Received): boolean =>
  r.headers['x-parley-signature'] === `sha256=${createHmac('sha256', secret).update(`${r.headers['x-parley-timestamp']}.${r.body}`).digest('hex')}`;

async function setup(t: Test, overrides: Partial<Config> = {}, workerOverrides: Partial<Config> = {}) {
  const api = await testApi(t, { webhookAllowPrivate: true, webhookRetryDelaySeconds: 1, ...overrides });
  const config = loadConfig({}, { ...api.config, ...workerOverrides });
  const registry = connectWebhooks(new SignalRegistry(), config);
  const worker = await testWorker(t, { db: api.db, url: api.url, config }, { registry });
  return { api, worker };
}

/** Drains until `done()` holds: a retry is due only after its backoff, so this polls with a deadline. */
async function drainUntil(worker: Awaited<ReturnType<typeof testWorker>>, done: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  await until('drained work to finish', ms, async () => {
    await worker.drain();
    return (await done()) ? true : undefined;
  }, 100);
}

const hook = async (api: TestApi, slug: string, key: string, body: Record<string, unknown>) => {
  const r = await api.req('POST', `/v1/forums/${slug}/webhooks`, { token: key, body });
  if (r.status !== 201) throw new Error(`webhook: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { webhook: { id: string }; secret: string };
};

const deliveries = async (api: TestApi, slug: string, key: string, id: string) =>
  (await api.req('GET', `/v1/forums/${slug}/webhooks/${id}/deliveries`, { token: key })).body.deliveries as any[];

/** The handler's input for events already in the log (what a retried signals batch carries). */
async function signalEvents(api: TestApi, forumId: string): Promise<LoggedEvent[]> {
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT * FROM events WHERE forum_id = $1 ORDER BY id`, [forumId]);
  return rows.map(loggedEventFromRow);
}

t.test('deliveries are signed, carry the event id, and reach each subscribed webhook once', async (t) => {
  const { api, worker } = await setup(t);
  const rx = await receiver(t);
  const { forum, moderatorKey } = await api.forum('signed');
  const other = await api.forum('unrelated');
  const all = await hook(api, 'signed', moderatorKey, { url: `${rx.url}/all` });
  const votes = await hook(api, 'signed', moderatorKey, { url: `${rx.url}/votes`, events: ['VoteCast'] });

  const thread = await api.thread('signed');
  const { post } = await api.post(thread.id);
  const vote = await api.req('PUT', `/v1/posts/${post.id}/vote`, { body: { value: 1 }, headers: { 'x-parley-voter': 'voter-key-0123456789' } });
  t.equal(vote.status, 200);
  await api.post((await api.thread('unrelated')).id); // another forum's events go nowhere
  await worker.drain();

  // deliveries run concurrently and retries reorder them: receivers order by (threadId, seq)
  const bySeq = (a: Received, b: Received) => JSON.parse(a.body).seq - JSON.parse(b.body).seq;
  const toAll = rx.requests.filter((r) => r.path === '/all').sort(bySeq);
  const toVotes = rx.requests.filter((r) => r.path === '/votes');
  t.same(toAll.map((r) => JSON.parse(r.body).type), ['ThreadCreated', 'PostCreated', 'VoteCast'], 'every event once');
  t.same(toVotes.map((r) => JSON.parse(r.body).type), ['VoteCast'], 'only what it subscribed to');
  for (const r of toAll) t.ok(verify(all.secret, r), `${JSON.parse(r.body).type}: the signature verifies with the secret`);
  t.ok(verify(votes.secret, toVotes[0]), 'each webhook signs with its own secret');
  t.notOk(verify(all.secret, toVotes[0]), "and not with another's");
  for (const r of rx.requests) {
    const body = JSON.parse(r.body);
    t.equal(r.headers['x-parley-event-id'], body.id, 'the event id header names the event in the body');
    t.equal(r.headers['content-type'], 'application/json');
    t.ok(Math.abs(Number(r.headers['x-parley-timestamp']) - Date.now() / 1000) < 60, 'the timestamp is unix seconds, now');
    t.equal(body.forumId, forum.id);
    t.equal(body.threadId, thread.id);
  }
  const created = JSON.parse(toAll[1].body);
  t.match(created, { type: 'PostCreated', seq: 2, post: { id: post.id, status: 'approved', author: { name: 'Guest' } } });
  t.notOk(toAll[1].body.includes('guest@example.com'), 'no author email in the payload');
  t.equal(JSON.parse(toAll[2].body).value, 1, 'moderator view: the vote value');
  t.not(other.forum.id, forum.id);

  const log = await deliveries(api, 'signed', moderatorKey, all.webhook.id);
  t.equal(log.length, 3);
  t.same(log.map((d) => [d.status, d.attempt, d.httpStatus]), [['ok', 1, 200], ['ok', 1, 200], ['ok', 1, 200]]);
  t.same(log.map((d) => d.eventId).sort(), toAll.map((r) => JSON.parse(r.body).id).sort(), 'one attempt per event');
  t.ok(log.every((d, i) => i === 0 || Number(d.id) < Number(log[i - 1].id)), 'newest first');

  // a signals batch handled again (a retry, a crashed worker) enqueues nothing twice; the batch
  // costs one read of webhooks, then BEGIN, the claim, (no insert: all claimed) and COMMIT
  const batch = [...(await signalEvents(api, forum.id)), ...(await signalEvents(api, other.forum.id))];
  const { counts } = await countQueries(api.db, () => webhooksHandler.handle(batch, worker.runtime.ctx));
  t.same(counts, { forums: 4 }, 'one query for the whole batch, whatever its forums');
  await worker.drain();
  t.equal(rx.requests.length, 4, 'no second delivery');
});

t.test('a failed delivery is retried with backoff, and the log shows each attempt', async (t) => {
  const { api, worker } = await setup(t);
  const rx = await receiver(t, (n) => (n === 1 ? 500 : 200));
  const { moderatorKey } = await api.forum('retry');
  const h = await hook(api, 'retry', moderatorKey, { url: `${rx.url}/in`, events: ['PostCreated'] });
  const thread = await api.thread('retry');
  await api.post(thread.id);
  await worker.drain();
  t.equal(rx.requests.length, 1, 'first attempt made');
  t.match(await deliveries(api, 'retry', moderatorKey, h.webhook.id), [{ status: 'failed', attempt: 1, httpStatus: 500, error: 'HTTP 500' }]);

  await drainUntil(worker, () => rx.requests.length >= 2);
  t.equal(rx.requests.length, 2);
  const [first, second] = rx.requests;
  t.ok(second.at - first.at >= 900, `retried after the backoff delay (${second.at - first.at} ms)`);
  t.equal(second.headers['x-parley-event-id'], first.headers['x-parley-event-id'], 'same event id: the receiver can deduplicate');
  t.equal(second.body, first.body, 'same body');
  t.ok(verify(h.secret, second));
  const log = await deliveries(api, 'retry', moderatorKey, h.webhook.id);
  t.same(log.map((d) => [d.attempt, d.status, d.httpStatus]), [[2, 'ok', 200], [1, 'failed', 500]], 'both attempts, newest first');
  t.ok(log.every((d) => typeof d.durationMs === 'number' && d.at));
});

t.test('replay delivers an event again, by id', async (t) => {
  const { api, worker } = await setup(t);
  const rx = await receiver(t);
  const { moderatorKey } = await api.forum('replay');
  const h = await hook(api, 'replay', moderatorKey, { url: `${rx.url}/in`, events: ['PostCreated'] });
  const thread = await api.thread('replay');
  await api.post(thread.id);
  await worker.drain();
  t.equal(rx.requests.length, 1);
  const eventId = rx.requests[0].headers['x-parley-event-id'] as string;

  const r = await api.req('POST', `/v1/forums/replay/webhooks/${h.webhook.id}/replay`, { token: moderatorKey, body: { eventId } });
  t.same([r.status, r.body], [202, { queued: true }]);
  // the ThreadCreated event is deliverable by replay even though this webhook didn't subscribe to it
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT id FROM events WHERE thread_id = $1 AND seq = 1`, [thread.id]);
  t.equal((await api.req('POST', `/v1/forums/replay/webhooks/${h.webhook.id}/replay`, { token: moderatorKey, body: { eventId: rows[0].id } })).status, 202);
  await worker.drain();
  t.equal(rx.requests.length, 3);
  // the two replays ran concurrently: find each by its event id
  const again = rx.requests.slice(1).find((r) => r.headers['x-parley-event-id'] === eventId);
  const created = rx.requests.slice(1).find((r) => r.headers['x-parley-event-id'] === rows[0].id);
  t.ok(again, 'the same event id again');
  t.same(JSON.parse(again!.body), JSON.parse(rx.requests[0].body), 'the same payload');
  t.ok(verify(h.secret, again!));
  t.equal(JSON.parse(created!.body).type, 'ThreadCreated');
  const log = await deliveries(api, 'replay', moderatorKey, h.webhook.id);
  t.same(log.map((d) => `${d.eventId}:${d.attempt}:${d.status}`).sort(), [`${eventId}:1:ok`, `${eventId}:1:ok`, `${rows[0].id}:1:ok`].sort());
  await worker.drain();
  t.equal(rx.requests.length, 3, 'a replay is delivered once');
});

t.test('a webhook deleted before its delivery runs: the job is dropped quietly', async (t) => {
  const { api, worker } = await setup(t);
  const rx = await receiver(t);
  const { forum, moderatorKey } = await api.forum('dropped');
  const h = await hook(api, 'dropped', moderatorKey, { url: `${rx.url}/in` });
  await api.post((await api.thread('dropped')).id);
  // enqueue the deliveries (as the signals consumer would), then delete before they run
  await webhooksHandler.handle(await signalEvents(api, forum.id), worker.runtime.ctx);
  const del = await api.req('DELETE', `/v1/forums/dropped/webhooks/${h.webhook.id}`, { token: moderatorKey });
  t.equal(del.status, 204);
  const { jobs } = await worker.drain();
  t.ok(jobs >= 2, 'the delivery jobs ran');
  t.equal(rx.requests.length, 0, 'nothing was sent');
  const { rows } = await api.db.exec({ area: 'forums', mode: 'read' }, `SELECT count(*)::int AS n FROM webhook_deliveries`);
  t.equal(rows[0].n, 0, 'and nothing logged');
  const left = await worker.runtime.ctx.boss.findJobs('parley.webhook', { queued: true });
  t.same(left, [], 'no job waits for a retry');
});

t.test('at delivery: private targets refused when not allowed, redirects not followed, slow receivers time out', async (t) => {
  // the API allowed the loopback URL; this worker does not (the operator changed the setting)
  const guarded = await setup(t, {}, { webhookAllowPrivate: false, webhookRetryLimit: 0 });
  const rx = await receiver(t);
  const a = await guarded.api.forum('guarded');
  const ha = await hook(guarded.api, 'guarded', a.moderatorKey, { url: `${rx.url}/in`, events: ['ThreadCreated'] });
  await guarded.api.thread('guarded');
  await guarded.worker.drain();
  t.equal(rx.requests.length, 0, 'no request reached the loopback receiver');
  t.match(await deliveries(guarded.api, 'guarded', a.moderatorKey, ha.webhook.id), [{ status: 'failed', httpStatus: null, error: /^refused: .*127\.0\.0\.1/ }]);

  const slow = await setup(t, {}, { webhookTimeoutMs: 300, webhookRetryLimit: 0 });
  const rx2 = await receiver(t, (_n, path) => (path === '/moved' ? 302 : 'hang'));
  const b = await slow.api.forum('slow');
  const moved = await hook(slow.api, 'slow', b.moderatorKey, { url: `${rx2.url}/moved`, events: ['ThreadCreated'] });
  const hang = await hook(slow.api, 'slow', b.moderatorKey, { url: `${rx2.url}/hang`, events: ['ThreadCreated'] });
  await slow.api.thread('slow');
  await slow.worker.drain();
  t.same(rx2.requests.map((r) => r.path).sort(), ['/hang', '/moved'], 'the redirect target was never requested');
  t.match(await deliveries(slow.api, 'slow', b.moderatorKey, moved.webhook.id), [{ status: 'failed', httpStatus: 302, error: 'HTTP 302' }]);
  const timedOut = await deliveries(slow.api, 'slow', b.moderatorKey, hang.webhook.id);
  t.match(timedOut, [{ status: 'failed', httpStatus: null, error: 'timed out after 300 ms' }]);
  t.ok(timedOut[0].durationMs >= 290 && timedOut[0].durationMs < 3000, `gave up at the timeout (${timedOut[0].durationMs} ms)`);
});
