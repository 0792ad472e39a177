// A backlog for bench:worker, written straight into the tables with no worker running: a forum,
// threads (each with its ThreadCreated event at seq 1, as the API writes them), then post events
// in bulk. Each batch is one transaction holding the posts, their PostCreated events (the real
// msgpackr snapshot of the row the insert returned, built with postFromRow / makeEvent /
// encodeSnapshot like the API) and the threads' last_seq, so every thread's sequence stays
// gap-free and consistent.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { appendThreadEvent, encodeSnapshot, forumSql, postColumns, postFromRow, threadFromRow, threadSql, type Executor } from '../../packages/data/src/index.ts';
import { makeEvent, type PostCreated, type ThreadCreated } from '../../packages/domain/src/index.ts';

import { BENCH_MESSAGE } from './message.ts';

export { BENCH_MESSAGE };

export async function createForumWithThreads(c: pg.Client, threads: number): Promise<{ forumId: string; threadIds: string[] }> {
  const ex: Executor = { query: (sql, values) => c.query(typeof sql === 'string' ? { text: sql, values } : { ...sql, values }) };
  await c.query('BEGIN');
  try {
    const forum = (await c.query(forumSql.insertForum, ['bench', 'Bench', '{}', randomBytes(32), 0])).rows[0];
    const threadIds: string[] = [];
    for (let i = 0; i < threads; i++) {
      const row = (await c.query(threadSql.insertThread, [forum.id, `bench-${i}`, null, `Bench thread ${i}`])).rows[0];
      const thread = { ...threadFromRow(row), lastSeq: '1' };
      await appendThreadEvent(ex, { threadId: thread.id, actor: 'public', event: makeEvent<ThreadCreated>('ThreadCreated', thread) });
      threadIds.push(thread.id);
    }
    await c.query('COMMIT');
    return { forumId: String(forum.id), threadIds };
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
}

export interface Backlog {
  events: number;
  replies: number;
  firstEventId: string;
  lastEventId: string;
  seconds: number;
}

/**
 * `count` PostCreated events over the threads round-robin; every `replyEvery`-th post replies to
 * an earlier top-level post of its thread (so the reply counters have work too).
 */
export async function writePostBacklog(c: pg.Client, o: {
  forumId: string;
  threadIds: string[];
  count: number;
  batch: number;
  replyEvery: number;
  html: string;
  log: (line: string) => void;
}): Promise<Backlog> {
  const lastSeq = new Map<string, number>(o.threadIds.map((id) => [id, 1]));
  const topLevel = new Map<string, string[]>(o.threadIds.map((id) => [id, []]));
  const tokenHash = randomBytes(32);
  let written = 0;
  let replies = 0;
  let firstEventId = '';
  let lastEventId = '';
  const t0 = performance.now();
  let last = { n: 0, at: t0 };
  while (written < o.count) {
    const n = Math.min(o.batch, o.count - written);
    const threads: string[] = [];
    const parents: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      const k = written + i;
      const thread = o.threadIds[k % o.threadIds.length];
      const tops = topLevel.get(thread)!;
      const parent = k % o.replyEvery === o.replyEvery - 1 && tops.length ? tops[(k * 7919) % tops.length] : null;
      threads.push(thread);
      parents.push(parent);
    }
    await c.query('BEGIN');
    try {
      const ids = (await c.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('posts', 'id'))::text AS id FROM generate_series(1, $1)`, [n])).rows.map((r) => r.id);
      const { rows } = await c.query(
        `INSERT INTO posts (id, thread_id, forum_id, parent_id, depth, path, author_name, author_email, edit_token_hash, notify,
                            message, html, status, initial_status)
         SELECT d.id, d.thread, $4, d.parent, CASE WHEN d.parent IS NULL THEN 0 ELSE 1 END,
                CASE WHEN d.parent IS NULL THEN ARRAY[d.id] ELSE ARRAY[d.parent, d.id] END,
                'Bench Guest', 'guest@example.com', $5, false, $6, $7, 'approved', 'approved'
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(id, thread, parent) ORDER BY d.id
         RETURNING ${postColumns}`,
        [ids, threads, parents, o.forumId, tokenHash, BENCH_MESSAGE, o.html],
      );
      const posts = rows.map(postFromRow).sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
      const seqs: number[] = [];
      const snapshots: Buffer[] = [];
      let version = 1;
      for (const post of posts) {
        const seq = lastSeq.get(post.threadId)! + 1;
        lastSeq.set(post.threadId, seq);
        seqs.push(seq);
        const event = makeEvent<PostCreated>('PostCreated', post);
        version = event.version;
        snapshots.push(encodeSnapshot(event.snapshot));
        if (post.parentId === null) topLevel.get(post.threadId)!.push(post.id);
        else replies++;
      }
      const ev = await c.query<{ first: string; last: string }>(
        `WITH ins AS (
           INSERT INTO events (forum_id, thread_id, seq, type, schema_version, actor, post_id, snapshot)
           SELECT $1, d.thread, d.seq, 'PostCreated', $2, 'public', d.post, d.snap
           FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bytea[]) WITH ORDINALITY AS d(thread, seq, post, snap, i) ORDER BY d.i
           RETURNING id)
         SELECT min(id)::text AS first, max(id)::text AS last FROM ins`,
        [o.forumId, version, posts.map((p) => p.threadId), seqs, posts.map((p) => p.id), snapshots],
      );
      await c.query(`UPDATE threads t SET last_seq = d.seq FROM unnest($1::bigint[], $2::bigint[]) AS d(id, seq) WHERE t.id = d.id`,
        [[...lastSeq.keys()], [...lastSeq.values()]]);
      await c.query('COMMIT');
      firstEventId ||= ev.rows[0].first;
      lastEventId = ev.rows[0].last;
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
    written += n;
    const now = performance.now();
    if (now - last.at >= 5000 || written === o.count) {
      o.log(`backlog: ${written.toLocaleString('en-US')} / ${o.count.toLocaleString('en-US')} post events written, ` +
        `${Math.round(((written - last.n) * 1000) / (now - last.at)).toLocaleString('en-US')}/s`);
      last = { n: written, at: now };
    }
  }
  return { events: written, replies, firstEventId, lastEventId, seconds: (performance.now() - t0) / 1000 };
}
