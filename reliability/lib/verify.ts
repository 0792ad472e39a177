// The checks after a run, against the database and the API: every acknowledged comment is there;
// every thread's log is gap-free (SQL on the events table, and GET /v1/threads/:id/events); every
// counter equals the truth, both the posts actually there (state) and the event log
// (apps/worker/src/counters/rebuild.ts, what `pnpm counters:rebuild` runs).
import pg from 'pg';
import { loadConfig, openDatabase } from '../../packages/data/src/index.ts';
import { rebuildCounters, type Difference } from '../../apps/worker/src/counters/rebuild.ts';
import { call } from './http.ts';
import type { CommentLedger } from './writers.ts';

export interface Presence {
  acknowledged: number;
  found: number;
  lost: number;
  /** acknowledged ids whose row holds another message */
  mismatched: number;
  unknown: number;
  unknownPresent: number;
  refused: number;
  refusedPresent: number;
  /** messages stored more than once */
  duplicated: number;
  lostSamples: string[];
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // a dropped connection fails the query in flight; nothing else to do
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function checkPresence(url: string, ledger: CommentLedger, threadIds: string[]): Promise<Presence> {
  return withClient(url, async (c) => {
    const acked = ledger.acked();
    const { rows } = await c.query<{ id: string; message: string }>('SELECT id::text, message FROM posts WHERE id = ANY($1::bigint[])', [acked.map((a) => a.postId)]);
    const byId = new Map(rows.map((r) => [r.id, r.message]));
    const lost = acked.filter((a) => !byId.has(a.postId!));
    const mismatched = acked.filter((a) => byId.has(a.postId!) && byId.get(a.postId!) !== a.message);
    const present = async (messages: string[]) =>
      messages.length ? (await c.query<{ n: number }>('SELECT count(DISTINCT message)::int AS n FROM posts WHERE message = ANY($1::text[])', [messages])).rows[0].n : 0;
    const unknown = ledger.attempts.filter((a) => a.outcome === 'unknown').map((a) => a.message);
    const refused = ledger.attempts.filter((a) => a.outcome === 'refused').map((a) => a.message);
    const dup = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT message FROM posts WHERE thread_id = ANY($1::bigint[]) GROUP BY message HAVING count(*) > 1) d',
      [threadIds],
    );
    return {
      acknowledged: acked.length,
      found: acked.length - lost.length,
      lost: lost.length,
      mismatched: mismatched.length,
      unknown: unknown.length,
      unknownPresent: await present(unknown),
      refused: refused.length,
      refusedPresent: await present(refused),
      duplicated: dup.rows[0].n,
      lostSamples: lost.slice(0, 5).map((a) => `${a.postId} "${a.message}"`),
    };
  });
}

export interface LogCheck {
  /** thread id -> head (the last seq in the log) */
  heads: Map<string, number>;
  events: number;
  /** missing seqs per the events table, plus heads that disagree with threads.last_seq */
  sqlGaps: number;
  /** missing or out-of-order seqs as GET /v1/threads/:id/events serves them */
  apiGaps: number;
  /** thread id -> type by seq, as the log says (public view) */
  types: Map<string, string[]>;
}

export async function checkLogs(url: string, apiUrl: string, threadIds: string[]): Promise<LogCheck> {
  const heads = new Map<string, number>();
  let sqlGaps = 0;
  let events = 0;
  await withClient(url, async (c) => {
    const { rows } = await c.query<{ id: string; last_seq: number; n: number; lo: number | null; hi: number | null }>(
      `SELECT t.id::text, t.last_seq::int, count(e.seq)::int AS n, min(e.seq)::int AS lo, max(e.seq)::int AS hi
         FROM threads t LEFT JOIN events e ON e.thread_id = t.id WHERE t.id = ANY($1::bigint[]) GROUP BY t.id`,
      [threadIds],
    );
    for (const r of rows) {
      const hi = r.hi ?? 0;
      heads.set(r.id, hi);
      events += r.n;
      sqlGaps += hi - r.n + (r.n > 0 && r.lo !== 1 ? 1 : 0) + (r.last_seq !== hi ? 1 : 0);
    }
  });
  let apiGaps = 0;
  const types = new Map<string, string[]>();
  for (const id of threadIds) {
    const list: string[] = [];
    let after = 0;
    for (;;) {
      const r = await call(apiUrl, 'GET', `/v1/threads/${id}/events?after=${after}&limit=1000`);
      if (r.kind !== 'answer' || r.status !== 200) throw new Error(`GET events of thread ${id}: ${r.kind === 'answer' ? r.status : r.error}`);
      const page = (r.body as { events: { seq: number; type: string }[] }).events;
      for (const e of page) {
        if (e.seq !== after + 1) apiGaps += Math.max(1, Math.abs(e.seq - after - 1));
        after = e.seq;
        list[e.seq] = e.type;
      }
      if (page.length < 1000) break;
    }
    if (after !== heads.get(id)) apiGaps += Math.abs((heads.get(id) ?? 0) - after);
    types.set(id, list);
  }
  return { heads, events, sqlGaps, apiGaps, types };
}

export interface CounterCheck {
  /** counters that differ from the posts in the tables */
  state: number;
  /** counters that differ from the event log (counters:rebuild) */
  log: number;
  samples: string[];
}

const STATE_MISMATCHES = `
  SELECT 'thread ' || t.id || ' post_count ' || t.post_count || ' vs ' || (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'approved') AS d
    FROM threads t WHERE t.forum_id = ANY($1::bigint[]) AND (
      t.post_count <> (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'approved')
      OR t.pending_count <> (SELECT count(*) FROM posts p WHERE p.thread_id = t.id AND p.status = 'pending'))
  UNION ALL SELECT 'forum ' || f.id || ' post_count ' || f.post_count || ' vs ' || (SELECT count(*) FROM posts p WHERE p.forum_id = f.id AND p.status = 'approved')
    FROM forums f WHERE f.id = ANY($1::bigint[]) AND (
      f.post_count <> (SELECT count(*) FROM posts p WHERE p.forum_id = f.id AND p.status = 'approved')
      OR f.pending_count <> (SELECT count(*) FROM posts p WHERE p.forum_id = f.id AND p.status = 'pending'))
  UNION ALL SELECT 'post ' || p.id || ' reply_count ' || p.reply_count || ' vs ' || (SELECT count(*) FROM posts c WHERE c.parent_id = p.id AND c.status = 'approved')
    FROM posts p WHERE p.forum_id = ANY($1::bigint[])
     AND p.reply_count <> (SELECT count(*) FROM posts c WHERE c.parent_id = p.id AND c.status = 'approved')`;

export async function checkCounters(url: string, forumIds: string[]): Promise<CounterCheck> {
  const state = await withClient(url, async (c) => (await c.query<{ d: string }>(STATE_MISMATCHES, [forumIds])).rows.map((r) => r.d));
  const db = openDatabase(loadConfig({}, { databaseUrl: url }), { poolSize: 2 });
  let differences: Difference[];
  try {
    differences = (await rebuildCounters(db, { apply: false })).differences;
  } finally {
    await db.close();
  }
  return {
    state: state.length,
    log: differences.length,
    samples: [...state.slice(0, 3), ...differences.slice(0, 3).map((d) => `log: ${d.counter} ${d.id} ${d.field} live ${d.live} rebuilt ${d.rebuilt}`)],
  };
}

/** Polls the counters until both checks are clean (the worker has drained) or the deadline. */
export async function drainCounters(url: string, forumIds: string[], deadlineMs: number): Promise<CounterCheck & { ms: number }> {
  const began = Date.now();
  for (;;) {
    const c = await checkCounters(url, forumIds);
    if ((c.state === 0 && c.log === 0) || Date.now() - began > deadlineMs) return { ...c, ms: Date.now() - began };
    await new Promise((ok) => setTimeout(ok, 500));
  }
}
