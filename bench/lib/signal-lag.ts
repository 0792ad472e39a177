// Lag from a comment's commit to its counters, two ways:
// - per event, from the tables: applied_events.applied_at (the start of the counters transaction,
//   `now()`) minus events.at (the start of the writing transaction), for every PostCreated event
//   of the window, with percentile_cont in SQL; pg-boss's job timestamps split it into relay,
//   queue wait and handling;
// - sampled from outside every 100 ms, from the load's start until all is counted: the age of the
//   oldest comment the API acknowledged (2xx) that forums.post_count (the handler's last counter
//   step) does not count yet.
import type pg from 'pg';
import { SIGNALS_QUEUE } from '../../apps/worker/src/signals/runtime.ts';
import type { PacedResult } from './paced-load.ts';

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LagFigures {
  load: PacedResult;
  /** seconds */
  perEvent: Percentiles;
  /** "a / b ms, queued for a consumer a / b ms, fetched → counters transaction a / b ms" */
  breakdown?: string;
  jobs?: { count: number; eventsPerJob: number };
  /** milliseconds */
  sampled: Percentiles;
  drainSeconds: number;
}

const pct = (xs: number[]): Percentiles => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN };
};

export async function measureLag(o: {
  c: pg.Client;
  forumId: string;
  /** runs the load, pushing the arrival time of every 2xx into okAt as it comes */
  run: (okAt: number[]) => Promise<PacedResult>;
  atLoadEnd: () => void;
  drainLimitS: number;
  log: (line: string) => void;
}): Promise<LagFigures> {
  const { c } = o;
  const counted = async () => Number((await c.query(`SELECT post_count FROM forums WHERE id = $1`, [o.forumId])).rows[0].post_count);
  const written = async () => Number((await c.query(`SELECT count(*) FROM posts WHERE forum_id = $1`, [o.forumId])).rows[0].count);
  await waitFor(async () => (await counted()) >= (await written()), 60, 'the warm-up was not counted');
  const v0 = await counted();
  const firstId = String((await c.query(`SELECT coalesce(max(id), 0) AS id FROM events`)).rows[0].id);

  const okAt: number[] = [];
  const samples: number[] = [];
  let loading = true;
  const sampler = (async () => {
    while (loading) {
      const t = performance.now();
      const v = (await counted()) - v0;
      samples.push(v >= okAt.length ? 0 : t - okAt[v]);
      await new Promise((ok) => setTimeout(ok, Math.max(0, 100 - (performance.now() - t))));
    }
  })();
  const load = await o.run(okAt);
  o.atLoadEnd();
  // sampling goes on until everything is counted, so the comments of the load's last seconds
  // are sampled too
  const t = performance.now();
  try {
    await waitFor(async () => (await counted()) - v0 >= load.ok, o.drainLimitS, 'the load was not counted');
  } finally {
    loading = false;
    await sampler;
  }
  const drainSeconds = (performance.now() - t) / 1000;
  const lastId = String((await c.query(`SELECT max(id) AS id FROM events`)).rows[0].id);

  const window = `FROM events e JOIN applied_events a ON a.handler = 'counters:content' AND a.event_id = e.id
    WHERE e.id > $1 AND e.id <= $2 AND e.type = 'PostCreated'`;
  const r = (await c.query(`SELECT count(*)::int AS n,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY x) AS p99, max(x) AS max
    FROM (SELECT extract(epoch FROM a.applied_at - e.at)::float8 AS x ${window}) s`, [firstId, lastId])).rows[0];
  const perEvent = { n: r.n as number, p50: Number(r.p50), p99: Number(r.p99), max: Number(r.max) };
  o.log(`lag per event: ${perEvent.n} events, p50 ${(perEvent.p50 * 1000).toFixed(0)} ms, p99 ${(perEvent.p99 * 1000).toFixed(0)} ms`);

  let breakdown: string | undefined;
  try {
    const b = (await c.query(`WITH j AS (
        SELECT created_on, started_on, (ev->>'id')::bigint AS event_id
        FROM pgboss.job, jsonb_array_elements(data->'events') ev WHERE name = $3)
      SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM j.created_on - e.at)) AS relay,
             percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM j.started_on - j.created_on)) AS queued,
             percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM a.applied_at - j.started_on)) AS handled
      ${window.replace('WHERE', 'JOIN j ON j.event_id = e.id WHERE')}`,
    [firstId, lastId, SIGNALS_QUEUE])).rows[0];
    const ms = (xs: unknown) => (xs as number[]).map((x) => (Number(x) * 1000).toFixed(0)).join(' / ');
    breakdown = `${ms(b.relay)} ms, queued for a consumer ${ms(b.queued)} ms, fetched → counters transaction ${ms(b.handled)} ms`;
  } catch (err) {
    o.log(`lag breakdown unavailable: ${(err as Error).message}`);
  }
  let jobs: LagFigures['jobs'];
  try {
    const j = (await c.query(`SELECT count(*)::int AS n, avg(jsonb_array_length(data->'events'))::float8 AS per
      FROM pgboss.job WHERE name = $2 AND (data->'events'->0->>'id')::bigint > $1`, [firstId, SIGNALS_QUEUE])).rows[0];
    jobs = { count: j.n as number, eventsPerJob: Number(j.per) };
  } catch (err) {
    o.log(`signals job sizes unavailable: ${(err as Error).message}`);
  }
  return { load, perEvent, breakdown, jobs, sampled: pct(samples), drainSeconds };
}

async function waitFor(cond: () => Promise<boolean>, seconds: number, what: string): Promise<void> {
  const until = performance.now() + seconds * 1000;
  while (!(await cond())) {
    if (performance.now() > until) throw new Error(`${what} within ${seconds} s`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
