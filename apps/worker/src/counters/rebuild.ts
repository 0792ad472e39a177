// `pnpm counters:rebuild`: recomputes every counter from the event log alone (each post's latest
// status snapshot says its status, thread, forum, author and parent), compares with the live
// counters, and with `apply` writes the recomputed values and marks the events it read applied.
// It works in key ranges (packages/data/src/sql/rebuild.ts), so memory stays one page whatever
// the size of the log. Applying takes the applied_events lock of each content database until the
// end, so a worker on the same database waits; with areas on separate databases, pause the
// workers while applying.
import { counterSql, loggedEventFromRow, rebuildSql, type Database, type Executor } from '@parley/data';
import { counterWeight, postOf, statusEventTypes, type CounterWeight } from '@parley/domain';
import { countersClaims } from './handler.ts';
import { Progress } from './progress.ts';

type CounterTable = counterSql.CounterTable;

export interface Difference {
  counter: CounterTable['name'];
  id: string;
  field: CounterTable['columns'][number]['column'];
  live: number;
  rebuilt: number;
}

export interface RebuildOptions {
  apply: boolean;
  log?: (line: string) => void;
  /** rows per key-range step */
  pageSize?: number;
  /** differences kept in the report (all are counted) */
  keep?: number;
}

export interface RebuildReport {
  /** status events read from the log */
  events: number;
  /** counter rows compared */
  rows: number;
  /** counter values that differ (and were fixed, with apply) */
  differing: number;
  /** the first `keep` of them */
  differences: Difference[];
}

export async function rebuildCounters(db: Database, opts: RebuildOptions): Promise<RebuildReport> {
  const o = { log: () => {}, pageSize: 5000, keep: 1000, ...opts };
  const report: RebuildReport = { events: 0, rows: 0, differing: 0, differences: [] };
  // every content shard's transaction stays open to the end: its temporary table holds the
  // rebuilt weights that every counter table is compared with
  await inContentShards(db, async (shards) => {
    for (const [shard, ex] of shards) report.events += await readLog(ex, shard, o);
    for (const c of counterSql.counterTables) {
      if (c.area === 'content') for (const ex of shards.values()) await compareTable(ex, c, shards, o, report);
      else await db.tx({ area: c.area }, (ex) => compareTable(ex, c, shards, o, report));
    }
  });
  return report;
}

async function inContentShards(db: Database, fn: (shards: Map<number, Executor>) => Promise<void>): Promise<void> {
  const open = async (rest: number[], shards: Map<number, Executor>): Promise<void> => {
    if (rest.length === 0) return fn(shards);
    const [shard, ...more] = rest;
    await db.tx({ area: 'content', shard }, (ex) => open(more, new Map(shards).set(shard, ex)));
  };
  await open(db.shards(), new Map());
}

/** Reads the shard's status events page by page into rebuilt_posts; returns how many it read. */
async function readLog(ex: Executor, shard: number, o: Required<RebuildOptions>): Promise<number> {
  if (o.apply) await ex.query(rebuildSql.lockClaims);
  await ex.query(rebuildSql.createRebuiltPosts);
  const progress = new Progress(o.log, `content.${shard}: status events read`);
  let after = '0';
  for (;;) {
    const { rows } = await ex.query(rebuildSql.statusEventsAfter, [after, statusEventTypes, o.pageSize]);
    if (rows.length === 0) break;
    // one row per post per statement: the page's latest snapshot of each
    const latest = new Map<string, rebuildSql.RebuiltPost>();
    for (const e of rows.map(loggedEventFromRow)) {
      const post = postOf(e.event);
      const seq = e.seq ?? 0;
      if (!post || (latest.get(post.id)?.seq ?? -1) >= seq) continue;
      const keys = Object.fromEntries(counterSql.counterTables.map((c) => [c.postColumn, counterSql.counterKey(c, post)]));
      latest.set(post.id, { id: post.id, seq, keys: keys as rebuildSql.RebuiltPost['keys'], ...counterWeight(post.status) });
    }
    await ex.query(rebuildSql.keepLatest, rebuildSql.keepLatestValues([...latest.values()]));
    if (o.apply) await ex.query(rebuildSql.claimForHandlers, [countersClaims, rows.map((r) => r.id)]);
    after = String(rows[rows.length - 1].id);
    progress.add(rows.length);
  }
  for (const statement of rebuildSql.indexRebuiltPosts) await ex.query(statement);
  return progress.done();
}

/** Walks a counter table in key ranges, comparing each page with the rebuilt sums (and fixing it, with apply). */
async function compareTable(ex: Executor, c: CounterTable, shards: Map<number, Executor>, o: Required<RebuildOptions>, report: RebuildReport): Promise<void> {
  const progress = new Progress(o.log, `${c.table}: rows compared`);
  let differing = 0;
  let after = '0';
  for (;;) {
    const { rows } = await ex.query<Record<string, string>>(rebuildSql.livePage(c), [after, o.pageSize]);
    if (rows.length === 0) break;
    const ids = rows.map((r) => r.id);
    const sums = new Map<string, CounterWeight>();
    for (const shard of shards.values()) {
      for (const s of (await shard.query<{ id: string } & CounterWeight>(rebuildSql.rebuiltSums(c), [ids])).rows) {
        const acc = sums.get(s.id) ?? { published: 0, pending: 0 };
        sums.set(s.id, { published: acc.published + s.published, pending: acc.pending + s.pending });
      }
    }
    const fixes = new Map<string, CounterWeight>();
    for (const r of rows) {
      const want = sums.get(r.id) ?? { published: 0, pending: 0 };
      for (const { column, weight } of c.columns) {
        if (Number(r[column]) === want[weight]) continue;
        differing++;
        fixes.set(r.id, want);
        if (report.differences.length < o.keep) report.differences.push({ counter: c.name, id: r.id, field: column, live: Number(r[column]), rebuilt: want[weight] });
      }
    }
    if (o.apply && fixes.size) await ex.query(counterSql.setCounts(c), counterSql.counterValues(c, fixes));
    after = ids[ids.length - 1];
    progress.add(rows.length, `${differing} differ`);
  }
  report.rows += progress.done(`${differing} differ${o.apply && differing ? ' (fixed)' : ''}`);
  report.differing += differing;
}
