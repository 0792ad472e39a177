// The relay never skips an event, even when transactions commit out of event-id order: it reads
// in (txid, id) order and only below the oldest transaction still running.
import t from 'tap';
import pg from 'pg';
import { appendThreadEvent, postFromRow, postSql, type Executor, type Sql } from '@parley/data';
import { makeEvent } from '@parley/domain';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import { testWorker } from '../../../test/harness/worker.ts';

const executor = (c: pg.Client): Executor => ({
  query: (sql: Sql, values?: unknown[]) => c.query(typeof sql === 'string' ? { text: sql, values } : { ...sql, values }),
}) as Executor;

/** A post written by hand in an open transaction on `c`, as the API would write it. */
async function writePost(c: pg.Client, thread: { id: string; forumId: string }, message: string): Promise<string> {
  const ins = await executor(c).query(postSql.insertPost, postSql.insertPostValues({
    threadId: thread.id, forumId: thread.forumId, parentId: null, maxDepth: 6, byModerator: false, userId: null, authorName: 'Held',
    authorEmail: 'h@example.com', editTokenHash: null, notify: false, message, html: `<p>${message}</p>`, status: 'approved',
  }));
  const post = postFromRow(ins.rows[0]);
  const e = await appendThreadEvent(executor(c), { threadId: thread.id, actor: 'test', postId: post.id, event: makeEvent('PostCreated', post) });
  return e.id;
}

async function applied(api: TestApi): Promise<Set<string>> {
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT event_id FROM applied_events WHERE handler = 'counters:content'`);
  return new Set(rows.map((r) => String(r.event_id)));
}

t.test('an event whose transaction commits after later events is relayed, once', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum } = await api.forum();
  const th = await api.thread(forum.slug);
  const thread = { id: th.id, forumId: forum.id };
  const other = await api.thread(forum.slug);
  await worker.drain();

  for (const order of ['event first, commit last', 'xid first, event last'] as const) {
    const held = new pg.Client({ connectionString: api.url });
    await held.connect();
    await held.query('BEGIN');
    let heldEvent: string | undefined;
    if (order === 'event first, commit last') heldEvent = await writePost(held, thread, 'held: smaller event id, commits last');
    else await held.query('SELECT pg_current_xact_id()'); // takes its xid now, writes later

    // meanwhile, other writers commit events with larger ids (or larger xids)
    const later = [];
    for (let i = 0; i < 5; i++) later.push((await api.post(other.id, { message: `later ${i}` })).post.id);
    if (order === 'xid first, event last') heldEvent = await writePost(held, thread, 'held: older xid, larger event id');

    // (drain would wait for the later events, which sit behind the held transaction's horizon)
    await worker.drain({ waitForHorizon: false });
    t.notOk((await applied(api)).has(heldEvent!), `${order}: the open transaction's event is not relayed yet`);

    await held.query('COMMIT');
    await held.end();
    await worker.drain();
    const done = await applied(api);
    t.ok(done.has(heldEvent!), `${order}: relayed once its transaction committed`);
    const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT id FROM events WHERE type = 'PostCreated'`);
    t.same(rows.filter((r) => !done.has(String(r.id))).map((r) => r.id), [], `${order}: every committed event was relayed`);
  }
  const { rows } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT t.id, t.post_count, (SELECT count(*)::int FROM posts p WHERE p.thread_id = t.id) AS n FROM threads t`);
  t.same(rows.filter((r) => r.post_count !== r.n), [], 'and counted exactly once');
});

t.test('a poison snapshot goes to the dead-letter queue; the rest of its chunk is applied', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum } = await api.forum();
  const th = await api.thread(forum.slug);
  const good = await api.post(th.id);
  // corrupt one event's snapshot in the log (as a bug or a future schema version would)
  const { rows: [bad] } = await api.db.exec({ area: 'content', mode: 'write' },
    `UPDATE events SET schema_version = 99 WHERE post_id = $1 RETURNING id`, [(await api.post(th.id)).post.id]);
  await worker.drain();
  const done = await applied(api);
  t.notOk(done.has(String(bad.id)), 'the poison event is not applied');
  const { rows: [goodEvent] } = await api.db.exec({ area: 'content', mode: 'read' }, `SELECT id FROM events WHERE post_id = $1`, [good.post.id]);
  t.ok(done.has(String(goodEvent.id)), 'its neighbours are');
  const dead = await worker.runtime.boss.findJobs<{ events: { id: string }[]; error: string }>('parley.signals.dead');
  t.same(dead.map((j) => j.data.events.map((e) => e.id)), [[String(bad.id)]], 'the dead-letter queue holds exactly the poison event');
  t.match(dead[0].data.error, /version 99/);
  const again = await worker.drain();
  t.equal(again.jobs, 0, 'and it does not loop');
});
