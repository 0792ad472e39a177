// Kill a worker process with SIGKILL in the middle of its work while writes continue, restart
// it, and once the queues drain every counter equals the true count from the state tables.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusEventTypes } from '@parley/domain';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { testSmtp } from '../../../test/harness/smtp.ts';
import { until } from '../../../test/harness/until.ts';
import { countersClaims } from '../src/counters/handler.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const logs: string[] = [];

function startWorkerProcess(url: string, smtpUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PARLEY_WORKER_HEALTH_PORT: '0',
      PARLEY_WORKER_MONITOR_SECONDS: '1',
      LOG_LEVEL: 'info', // start-up waits for the health line
      SMTP_URL: smtpUrl,
      PARLEY_SECRET: 'crash-test-secret-0123456789',
      PARLEY_EMAIL_PER_HOUR: '100000',
      PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true',
      PARLEY_WEBHOOK_RETRY_DELAY_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      logs.push(String(d));
      if (out.includes('/healthz')) resolve(child);
    });
    child.stderr!.on('data', (d) => {
      out += d;
      logs.push(String(d));
    });
    child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${out}`)));
  });
}

const mismatches = async (api: TestApi) =>
  (await api.db.exec({ area: 'content', mode: 'read' }, `
    SELECT 'thread' AS kind, t.id FROM threads t WHERE t.post_count <> (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'approved')
       OR t.pending_count <> (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'pending')
    UNION ALL SELECT 'forum', f.id FROM forums f WHERE f.post_count <> (SELECT count(*) FROM posts p WHERE p.forum_id = f.id AND p.status = 'approved')
    UNION ALL SELECT 'reply', p.id FROM posts p WHERE p.reply_count <> (SELECT count(*) FROM posts c WHERE c.parent_id = p.id AND c.status = 'approved')`)).rows;

for (let round = 1; round <= 2; round++) {
  t.test(`round ${round}: SIGKILL mid-batch, restart, counters exact`, async (t) => {
    const api = await testApi(t, { webhookAllowPrivate: true });
    const smtp = await testSmtp(t);
    // a webhook receiver that records the event id of every delivery
    const deliveries: (string | undefined)[] = [];
    const receiver = createServer((req, res) => {
      deliveries.push(req.headers['x-parley-event-id'] as string | undefined);
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    t.teardown(() => new Promise<void>((r) => receiver.close(() => r())));
    const { forum, moderatorKey } = await api.forum(undefined, { preModeration: round === 2 });
    const hook = await api.req('POST', `/v1/forums/${forum.slug}/webhooks`, {
      token: moderatorKey,
      body: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['PostCreated'] },
    });
    t.equal(hook.status, 201);
    const threads = await Promise.all([1, 2, 3].map(() => api.thread(forum.slug)));
    let worker = await startWorkerProcess(api.url, smtp.url);
    t.teardown(() => {
      worker.kill('SIGKILL');
    });

    let writing = true;
    let written = 0;
    // every post the API acknowledged (201), in order
    const posted: { id: string; thread: string }[] = [];
    const writer = (async () => {
      while (writing) {
        const th = threads[written % 3];
        // every third post replies to the previous post in its own thread, from another address,
        // and every post asks for reply emails: replies send email
        const mine = posted.filter((x) => x.thread === th.id);
        const parentId = round === 1 && mine.length && written % 3 === 1 ? mine[mine.length - 1].id : undefined;
        const r = await api.req('POST', `/v1/threads/${th.id}/posts`, {
          body: { message: `w${written}`, notify: true, author: { name: 'W', email: `w${written}@example.com` }, ...(parentId ? { parentId } : {}) },
        });
        if (r.status === 201) posted.push({ id: r.body.post.id, thread: th.id });
        if (posted.length && written % 4 === 0) {
          await api.req('POST', `/v1/posts/${posted[(written * 7) % posted.length].id}/${['approve', 'spam', 'delete', 'restore'][written % 4]}`, { token: moderatorKey });
        }
        written++;
      }
    })();

    // let the worker get busy, then kill it without warning
    await until('the worker to apply something', 20_000, async () => {
      const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT count(*)::int AS n FROM applied_events WHERE handler = 'counters:content'`);
      return rows[0].n > 20 ? true : undefined;
    });
    worker.kill('SIGKILL');
    const writtenAtKill = written;
    const ackedAtKill = posted.map((x) => x.id);
    await until('writes to continue while no worker runs', 10_000, async () => (written > writtenAtKill ? true : undefined));
    worker = await startWorkerProcess(api.url, smtp.url);
    const before = written;
    await until('more writes after the restart', 20_000, async () => (written > before + 50 ? true : undefined));
    writing = false;
    await writer;

    // once drained (the killed worker's jobs are retried when their heartbeat lapses), counts are exact
    const diagnose = async () => {
      const q = async (sql: string) => JSON.stringify((await api.db.exec({ area: 'content', mode: 'read' }, sql)).rows);
      t.comment(`jobs: ${await q(`SELECT name, state, count(*) FROM pgboss.job GROUP BY 1, 2 ORDER BY 1, 2`)}`);
      t.comment(`cursor: ${await q(`SELECT * FROM relay_cursor`)}; events: ${await q(`SELECT max(id), max(txid::text) FROM events`)}`);
      t.comment(`mismatches: ${JSON.stringify(await mismatches(api))}`);
      t.comment(`activity: ${await q(`SELECT pid, application_name, state, backend_xid::text, backend_xmin::text, left(query, 80) AS q FROM pg_stat_activity WHERE backend_xid IS NOT NULL OR backend_xmin IS NOT NULL OR wait_event_type = 'Lock'`)}`);
      t.comment(`horizon: ${await q(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, (SELECT count(*) FROM events e, relay_cursor c WHERE (e.txid, e.id) > (c.txid, c.event_id)) AS past, (SELECT count(*) FROM events e, relay_cursor c WHERE (e.txid, e.id) > (c.txid, c.event_id) AND e.txid < pg_snapshot_xmin(pg_current_snapshot())) AS relayable`)}`);
      t.comment(`relayed twice: ${await q(`SELECT count(*) AS events, min(e->>'id') AS first, max(e->>'id') AS last, min(n) AS min_copies FROM (SELECT e, count(*) OVER (PARTITION BY e->>'id') AS n FROM pgboss.job j, jsonb_array_elements(j.data->'events') e WHERE j.name = 'parley.signals') x WHERE n > 1`)}`);
      t.comment(`jobs with dups: ${await q(`SELECT j.id, j.state, j.retry_count, j.created_on, jsonb_array_length(j.data->'events') AS n, j.data->'events'->0->>'id' AS first FROM pgboss.job j WHERE j.name = 'parley.signals' AND EXISTS (SELECT 1 FROM pgboss.job k, jsonb_array_elements(k.data->'events') e WHERE k.name = j.name AND k.id <> j.id AND e->>'id' = j.data->'events'->0->>'id')`)}`);
      t.comment(`unapplied: ${await q(`SELECT e.id, e.type, e.txid::text FROM events e WHERE e.type LIKE 'Post%' AND e.type <> 'PostEdited' AND NOT EXISTS (SELECT 1 FROM applied_events a WHERE a.handler = 'counters:content' AND a.event_id = e.id) LIMIT 20`)}`);
      t.comment(`threads: ${await q(`SELECT t.id, t.post_count, t.pending_count, (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'approved') AS approved, (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'pending') AS pending FROM threads t`)}`);
      t.comment(`applied: ${await q(`SELECT handler, count(*) FROM applied_events GROUP BY 1`)}; post events: ${await q(`SELECT type, count(*) FROM events GROUP BY 1`)}`);
    };
    const bad = await until('the counters to converge', 60_000, async () => {
      const m = await mismatches(api);
      // every counters handler (content, forums, accounts) has applied every status event
      const { rows } = await api.db.exec({ area: 'content', mode: 'read' },
        `SELECT count(*)::int AS n FROM events e, unnest($1::text[]) AS h(handler) WHERE e.type = ANY($2::text[])
           AND NOT EXISTS (SELECT 1 FROM applied_events a WHERE a.handler = h.handler AND a.event_id = e.id)`, [countersClaims, statusEventTypes]);
      return m.length === 0 && rows[0].n === 0 ? m : undefined;
    }).catch(async (err) => {
      await diagnose();
      throw err;
    });
    t.same(bad, [], `every counter equals the true count after ${written} writes`);
    const { rows: [dup] } = await api.db.exec({ area: 'content', mode: 'read' },
      `SELECT count(*)::int AS n FROM (SELECT event_id FROM applied_events GROUP BY handler, event_id HAVING count(*) > 1) d`);
    t.equal(dup.n, 0, 'no event applied twice by one handler');
    // nothing acknowledged before the kill is lost, and each of those posts' creation was counted
    // by every counters handler (the killed worker's batch included)
    const { rows: [acked] } = await api.db.exec({ area: 'content', mode: 'read' },
      `SELECT (SELECT count(*)::int FROM posts WHERE id = ANY($1::bigint[])) AS present,
              (SELECT count(*)::int FROM events e JOIN applied_events a ON a.event_id = e.id
                 WHERE e.type = 'PostCreated' AND e.post_id = ANY($1::bigint[]) AND a.handler = ANY($2::text[])) AS counted`,
      [ackedAtKill, countersClaims]);
    t.same(acked, { present: ackedAtKill.length, counted: ackedAtKill.length * countersClaims.length },
      `all ${ackedAtKill.length} posts acknowledged before the kill are there and counted`);

    // emails: every post asked for reply emails and every replier has their own address, so each
    // reply gets one email_log row (sent; or left 'sending' if the kill hit mid-send, never resent).
    // Once every reply has its row and the email queue is empty, every message that arrived is for
    // a distinct reply, none twice, and each is one the log says was sent.
    const sent = await until('every reply to be emailed', 60_000, async () => {
      const { rows: [q] } = await api.db.exec({ area: 'content', mode: 'read' },
        `SELECT (SELECT count(*)::int FROM pgboss.job WHERE name = 'parley.email' AND state IN ('created', 'retry', 'active')) AS busy,
                (SELECT count(*)::int FROM posts WHERE parent_id IS NOT NULL) AS replies,
                (SELECT count(*)::int FROM email_log) AS logged,
                (SELECT count(*)::int FROM email_log WHERE status = 'sent') AS sent`);
      return q.busy === 0 && q.logged === q.replies && smtp.messages.length >= q.sent ? q.sent : undefined;
    });
    const ids = smtp.messages.map((m) => String(m.headers.get('message-id')));
    t.equal(new Set(ids).size, ids.length, `no email sent twice (${ids.length} emails arrived, ${sent} logged as sent)`);
    t.equal(ids.length, sent, 'every email the log calls sent arrived, once');
    if (round === 1) t.ok(ids.length > 0, 'replies did send email');
    // webhooks: every delivery names its event, so a receiver can deduplicate
    await until('webhook deliveries', 30_000, async () => (deliveries.length > 0 ? true : undefined));
    t.ok(deliveries.every((id) => typeof id === 'string' && /^\d+$/.test(id)), `all ${deliveries.length} deliveries carry X-Parley-Event-Id`);
    worker.kill('SIGTERM');
  });
}
