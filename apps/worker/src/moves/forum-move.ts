// An online forum move (`pnpm forum:move <slug> --to <shard>`, docs/adr/0009). The forum keeps
// taking writes on its shard while its rows are copied; the catch-up copies again what its event
// log says changed; then a fence stops its writes on the old shard for the moment the last changes
// take, both copies are verified, and the shard map switches. Writers refused by the fence wait and
// run again on the new shard. The old copy goes once every process routes to the new one and the
// old shard's relay has passed its events.
import pg from 'pg';
import { forumFromRow, forumSql, moveSql, type Database } from '@parley/data';
import { awaitingModerationStatuses, publishedStatuses, statusEventTypes, type Forum } from '@parley/domain';
import { countersClaim } from '../counters/handler.ts';

type MovedTable = moveSql.MovedTable;

export interface MoveOptions {
  slug: string;
  to: number;
  /** progress lines */
  log?: (line: string) => void;
  /** rows per copy batch (default 2,000) */
  batchSize?: number;
  /** a catch-up round that copies fewer events than this is the last before the fence (default 500) */
  fenceBelow?: number;
  /** catch-up rounds at most before fencing anyway (default 20) */
  maxRounds?: number;
  /** how long other processes may still route by the old shard after the switch: the forum cache's time to live (default 5 s) */
  routeTtlMs?: number;
  /** how long to wait for the old shard's relay to pass the forum's events before removing them (default 120 s) */
  relayWaitMs?: number;
  /** how long to wait at the fence for writes already running (default 10 s) */
  fenceWaitMs?: number;
  /** test hook: runs after the bulk copy, before the catch-up and the verification */
  onCopied?: () => Promise<void>;
  /** test hook: runs after the fence, before the final catch-up (a writer refused here must wait and land on the new shard) */
  onFenced?: () => Promise<void>;
}

export interface TableReport {
  table: MovedTable;
  rows: number;
  checksum: string;
}

export interface MoveReport {
  forumId: string;
  from: number;
  to: number;
  copied: Record<MovedTable, number>;
  rounds: number;
  /** rows copied by the catch-up rounds, the last one included */
  caughtUp: number;
  /** from the fence to the switch: how long the forum's writes waited */
  fenceMs: number;
  verified: TableReport[];
  removed: boolean;
  totalMs: number;
}

export class MoveRefused extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of its own on a shard's primary: the copy needs one transaction for its snapshot and cursors. */
async function connect(db: Database, shard: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.primaryUrl({ area: 'content', shard }), application_name: 'parley:forum-move' });
  await client.connect();
  // checksums compare row text: the same time zone on both sides
  await client.query(`SET TimeZone TO 'UTC'`);
  return client;
}

const jsonArray = (rows: { row: string }[]): string => `[${rows.map((r) => r.row).join(',')}]`;

export async function moveForum(db: Database, o: MoveOptions): Promise<MoveReport> {
  const log = o.log ?? (() => {});
  const batch = o.batchSize ?? 2000;
  const started = Date.now();
  const forum = await loadForum(db, o.slug);
  const from = forum.shard;
  if (!db.hasShard(o.to)) throw new MoveRefused(`content shard ${o.to} is not in the topology (shards: ${db.shards().join(', ')})`);
  if (from === o.to) return finishMove(db, forum, o, started);

  const source = await connect(db, from);
  const target = await connect(db, o.to);
  // one move of a forum at a time: the lock lives as long as the source session
  const locked = (await source.query('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok', [MOVE_LOCK, forum.id])).rows[0].ok as boolean;
  if (!locked) {
    await Promise.all([source.end(), target.end()]);
    throw new MoveRefused(`forum ${o.slug} is being moved by another process`);
  }
  const columns = new Map<MovedTable, string[]>();
  for (const table of moveSql.movedTables) {
    columns.set(table, (await source.query<{ name: string }>(moveSql.tableColumns, [table])).rows.map((r) => r.name));
  }
  const upsert = async (table: MovedTable, rows: { row: string }[]) => {
    if (rows.length) await target.query(moveSql.upsertRows(table, columns.get(table)!), [jsonArray(rows)]);
  };
  let fenced = false;
  let switched = false;
  try {
    log(`moving forum ${o.slug} (${forum.id}) from content shard ${from} to ${o.to}`);
    // leftovers on the target are an old copy (a move away whose removal waited for its relay, or
    // an aborted move): removed first, unless some of their events still wait to be relayed
    const waiting = (await target.query<{ n: number }>(moveSql.unrelayed, [forum.id, relayCursor(db, o.to)])).rows[0].n;
    if (waiting) throw new MoveRefused(`content shard ${o.to} still holds an old copy of ${o.slug} with ${waiting} events not relayed yet; start a worker, then move again`);
    await removeForum(target, forum.id, batch);

    // 1. the copy, from one snapshot of the source
    const copied = { threads: 0, posts: 0, votes: 0, post_flags: 0, events: 0 } as Record<MovedTable, number>;
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let snapshot = (await source.query<{ snap: string }>(moveSql.currentSnapshot)).rows[0].snap;
    for (const table of moveSql.movedTables) {
      await source.query(moveSql.declareForumRows(table), [forum.id]);
      for (;;) {
        const { rows } = await source.query<{ row: string }>(moveSql.fetchForumRows(table, batch));
        if (rows.length === 0) break;
        await upsert(table, rows);
        copied[table] += rows.length;
      }
      log(`copy: ${table} ${copied[table]}`);
    }
    await source.query('COMMIT');
    await target.query(moveSql.analyzeMoved);
    log(`copied in ${Date.now() - started} ms`);
    await o.onCopied?.();

    // 2. catch up on what the forum's writers changed meanwhile, until a round is small
    let rounds = 0;
    let caughtUp = 0;
    for (;;) {
      const round = await catchUp(source, snapshot, forum.id, upsert, target);
      snapshot = round.snapshot;
      rounds++;
      caughtUp += round.events;
      log(`catch-up ${rounds}: ${round.events} events, ${round.rows} rows`);
      if (round.events < (o.fenceBelow ?? 500) || rounds >= (o.maxRounds ?? 20)) break;
    }

    // 3. one more round, and while its source snapshot is still open, the whole copy is verified
    // against it and recounted: the expensive work, done before the fence, while writes go on
    let verified: TableReport[] = [];
    const checked = await catchUp(source, snapshot, forum.id, upsert, target, async () => {
      verified = await verifyAll(source, target, forum.id, columns);
      const threads = (await target.query<{ ids: string[] | null }>(moveSql.forumThreadIds, [forum.id])).rows[0].ids ?? [];
      const events = (await target.query<{ ids: string[] }>(moveSql.forumEventIds, [forum.id, statusEventTypes])).rows[0].ids;
      await recount(target, threads, 'all', events);
    });
    snapshot = checked.snapshot;
    rounds++;
    caughtUp += checked.events;
    log(`verified: ${verified.map((v) => `${v.table} ${v.rows}`).join(', ')}; checksums and heads match (catch-up ${rounds}: ${checked.events} events)`);
    // what the writers changed during that, caught up and verified the same way (each round
    // against its own open snapshot) until a round is small: the fence is then left with little
    for (let more = 0; more < (o.maxRounds ?? 20); more++) {
      const round = await catchUp(source, snapshot, forum.id, upsert, target, async (changed) => {
        await verifyChanged(source, target, forum.id, columns, changed);
        await recount(target, changed.threadIds, changed.postIds, changed.eventIds);
      });
      snapshot = round.snapshot;
      rounds++;
      caughtUp += round.events;
      log(`catch-up ${rounds}: ${round.events} events, ${round.rows} rows, verified`);
      if (round.events < (o.fenceBelow ?? 500)) break;
    }

    // 4. the fence: from its commit no write of this forum commits on the old shard; the writes
    // that were already running end (commit or fail) before the last catch-up reads
    const fencedAt = Date.now();
    await source.query(moveSql.fenceForum, [forum.id, o.to]);
    fenced = true;
    const atFence = (await source.query<{ snap: string }>(moveSql.currentSnapshot)).rows[0].snap;
    while (!(await source.query<{ passed: boolean }>(moveSql.snapshotPassed, [atFence])).rows[0].passed) {
      if (Date.now() - fencedAt > (o.fenceWaitMs ?? 10_000)) throw new Error('writes that were running at the fence did not end in time');
      await sleep(2);
    }
    const ended = Date.now();
    await o.onFenced?.();
    const last = await catchUp(source, snapshot, forum.id, upsert, target);
    caughtUp += last.events;
    const copiedAt = Date.now();

    // 5. what changed since the last verified snapshot: verified row by row, with the counts of
    // every table and the heads; its threads and posts recounted, its events claimed
    await verifyChanged(source, target, forum.id, columns, last.changed);
    const verifiedAt = Date.now();
    await recount(target, last.changed.threadIds, last.changed.postIds, last.changed.eventIds);
    log(`fenced; the running writes ended in ${ended - fencedAt} ms; last catch-up: ${last.events} events, ${last.rows} rows in ${copiedAt - ended} ms; ` +
      `verified in ${verifiedAt - copiedAt} ms; recounted in ${Date.now() - verifiedAt} ms`);

    // 6. switch: the new shard takes the forum's writes (an older fence there, from a move away, goes first)
    await target.query(moveSql.unfenceForum, [forum.id]);
    const sw = await db.exec({ area: 'forums', mode: 'write' }, moveSql.switchShard, [forum.id, from, o.to]);
    if (sw.rows.length === 0) throw new Error(`forum ${o.slug} changed shard during the move`);
    switched = true;
    const fenceMs = Date.now() - fencedAt;
    log(`switched to content shard ${o.to}; writes waited at most ${fenceMs} ms`);

    // 7. the old copy goes once no process can still route to it, and its events are relayed
    const ttl = o.routeTtlMs ?? 5000;
    log(`waiting ${ttl + 1000} ms for every process's forum cache to expire`);
    await sleep(ttl + 1000);
    const removed = await waitForRelay(db, source, forum.id, from, o.relayWaitMs ?? 120_000, log);
    if (removed) {
      await removeForum(source, forum.id, batch);
      log(`removed the old copy from content shard ${from}`);
    }
    const report: MoveReport = { forumId: forum.id, from, to: o.to, copied, rounds, caughtUp, fenceMs, verified, removed, totalMs: Date.now() - started };
    log(`done in ${report.totalMs} ms`);
    return report;
  } catch (err) {
    if (!switched) {
      // nothing switched: the forum stays where it was, and takes writes again at once
      await source.query('ROLLBACK').catch(() => {});
      if (fenced) await source.query(moveSql.unfenceForum, [forum.id]).catch(() => {});
      await removeForum(target, forum.id, batch).catch(() => {});
      log(`aborted, forum ${o.slug} stays on content shard ${from}: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    await Promise.all([source.end().catch(() => {}), target.end().catch(() => {})]);
  }
}

/** Advisory lock class of forum moves (with the forum id's hash). */
const MOVE_LOCK = 7_310_417;

async function loadForum(db: Database, slug: string): Promise<Forum> {
  const { rows } = await db.exec({ area: 'forums', mode: 'write' }, forumSql.selectForumBySlug, [slug]);
  if (rows.length === 0) throw new MoveRefused(`no forum ${slug}`);
  return forumFromRow(rows[0]);
}

interface Changed {
  threadIds: string[];
  postIds: string[];
  eventIds: string[];
}

/**
 * One catch-up round: copies again every thread, post (with its votes and flags) and event changed since
 * `since`. `whileOpen` runs before the source's snapshot closes: the copy then equals the source
 * as that snapshot sees it.
 */
async function catchUp(
  source: pg.Client,
  since: string,
  forumId: string,
  upsert: (table: MovedTable, rows: { row: string }[]) => Promise<void>,
  target: pg.Client,
  whileOpen?: (changed: Changed) => Promise<void>,
): Promise<{ snapshot: string; events: number; rows: number; changed: Changed }> {
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const snapshot = (await source.query<{ snap: string }>(moveSql.currentSnapshot)).rows[0].snap;
    const found = (await source.query<{ id: string; thread_id: string; post_id: string | null }>(moveSql.changedSince, [since, forumId])).rows;
    const changed: Changed = {
      threadIds: [...new Set(found.map((c) => c.thread_id))],
      postIds: [...new Set(found.flatMap((c) => (c.post_id ? [c.post_id] : [])))],
      eventIds: found.map((c) => c.id),
    };
    let rows = 0;
    const copy = async (table: MovedTable, ids: string[]) => {
      if (ids.length === 0) return;
      const { rows: got } = await source.query<{ row: string }>(moveSql.rowsByIds[table], [ids]);
      if (table === 'votes') await target.query(moveSql.deleteVotesOfPosts, [ids]);
      await upsert(table, got);
      rows += got.length;
    };
    await copy('threads', changed.threadIds);
    await copy('posts', changed.postIds);
    await copy('votes', changed.postIds);
    await copy('post_flags', changed.postIds);
    await copy('events', changed.eventIds);
    await whileOpen?.(changed);
    await source.query('COMMIT');
    return { snapshot, events: found.length, rows, changed };
  } catch (err) {
    await source.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

const differs = (what: string, a: { n: number; sum?: string }, b: { n: number; sum?: string }) =>
  new Error(`verification failed: ${what}: ${a.n} rows${a.sum ? ` (${a.sum})` : ''} on the old shard, ${b.n}${b.sum ? ` (${b.sum})` : ''} on the new`);

/** Both copies of the forum, whole: row counts and checksums of every table, the heads, each thread's log gap-free. */
async function verifyAll(source: pg.Client, target: pg.Client, forumId: string, columns: Map<MovedTable, string[]>): Promise<TableReport[]> {
  const out: TableReport[] = [];
  for (const table of moveSql.movedTables) {
    const sql = moveSql.checksum(table, columns.get(table)!);
    const [a, b] = await Promise.all([source.query(sql, [forumId]), target.query(sql, [forumId])]);
    const s = a.rows[0] as { n: number; sum: string };
    const t = b.rows[0] as { n: number; sum: string };
    if (s.n !== t.n || s.sum !== t.sum) throw differs(table, s, t);
    out.push({ table, rows: t.n, checksum: t.sum });
  }
  const [a, b] = await Promise.all([source.query(moveSql.heads, [forumId]), target.query(moveSql.heads, [forumId])]);
  if (a.rows[0].heads !== b.rows[0].heads) throw new Error('verification failed: the event-log heads differ');
  if (b.rows[0].broken !== 0) throw new Error(`verification failed: ${b.rows[0].broken as number} threads' event logs are not gap-free on the new shard`);
  return out;
}

/**
 * At the fence, after a verifyAll of an earlier snapshot: every row changed since then (named by
 * its events) compared by checksum, and every table's row count and the heads compared, so a row
 * that appeared or went on one side only is caught too.
 */
async function verifyChanged(source: pg.Client, target: pg.Client, forumId: string, columns: Map<MovedTable, string[]>, changed: Changed): Promise<void> {
  const ids: Record<MovedTable, string[]> = { threads: changed.threadIds, posts: changed.postIds, votes: changed.postIds, post_flags: changed.postIds, events: changed.eventIds };
  // each side's statements in turn on its own connection; the two sides at once
  const side = async (client: pg.Client) => {
    const out: { sum: { n: number; sum: string }; count: { n: number } }[] = [];
    for (const table of moveSql.movedTables) {
      const sum = (await client.query(moveSql.checksumByIds(table, columns.get(table)!), [ids[table]])).rows[0];
      const count = (await client.query(moveSql.countRows(table), [forumId])).rows[0];
      out.push({ sum, count });
    }
    return out;
  };
  const [olds, news] = await Promise.all([side(source), side(target)]);
  moveSql.movedTables.forEach((table, i) => {
    const [a, b] = [olds[i], news[i]];
    if (a.sum.n !== b.sum.n || a.sum.sum !== b.sum.sum) throw differs(`changed ${table}`, a.sum, b.sum);
    if (a.count.n !== b.count.n) throw differs(table, a.count, b.count);
  });
  const [a, b] = await Promise.all([source.query(moveSql.headsDigest, [forumId]), target.query(moveSql.headsDigest, [forumId])]);
  if (a.rows[0].heads !== b.rows[0].heads) throw new Error('verification failed: the event-log heads differ');
}

/**
 * Counters on the new shard, from its rows; and the status events count as applied there, so a
 * late counter signal of an old event adds nothing twice. `posts`: recount the reply counts of
 * those posts and their parents only (after a catch-up); 'all': of every post of the threads.
 */
async function recount(target: pg.Client, threadIds: string[], posts: string[] | 'all', eventIds: string[]): Promise<void> {
  await target.query('BEGIN');
  try {
    if (threadIds.length) await target.query(moveSql.recountThreads, [threadIds, publishedStatuses, awaitingModerationStatuses]);
    if (posts === 'all') {
      if (threadIds.length) await target.query(moveSql.recountReplies, [threadIds, publishedStatuses]);
    } else if (posts.length) await target.query(moveSql.recountRepliesOfPosts, [posts, publishedStatuses]);
    if (eventIds.length) await target.query(moveSql.claimEvents, [eventIds, countersClaim('content'), statusEventTypes]);
    await target.query('COMMIT');
  } catch (err) {
    await target.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

const relayCursor = (db: Database, shard: number): string =>
  db.eventSources().find((s) => s.route.area === 'content' && s.route.shard === shard)?.cursor ?? `signals:${shard}`;

/**
 * The same command for a forum already on `to`: removes an old copy a move left behind (its relay
 * had not passed it yet), from every other shard that fenced the forum.
 */
async function finishMove(db: Database, forum: Forum, o: MoveOptions, started: number): Promise<MoveReport> {
  const log = o.log ?? (() => {});
  let removed = false;
  for (const shard of db.shards().filter((s) => s !== forum.shard)) {
    const client = await connect(db, shard);
    try {
      const fence = await client.query('SELECT 1 FROM forum_fences WHERE forum_id = $1', [forum.id]);
      const left = await client.query(moveSql.threadIdsPage, [forum.id, '0', 1]);
      if (fence.rows.length === 0 || left.rows.length === 0) continue;
      log(`content shard ${shard} still holds an old copy of ${o.slug}`);
      if (await waitForRelay(db, client, forum.id, shard, o.relayWaitMs ?? 120_000, log)) {
        await removeForum(client, forum.id, o.batchSize ?? 2000);
        log(`removed the old copy from content shard ${shard}`);
        removed = true;
      }
    } finally {
      await client.end();
    }
  }
  if (!removed) throw new MoveRefused(`forum ${o.slug} is already on content shard ${o.to}`);
  const none = { threads: 0, posts: 0, votes: 0, post_flags: 0, events: 0 };
  return { forumId: forum.id, from: forum.shard, to: o.to, copied: none, rounds: 0, caughtUp: 0, fenceMs: 0, verified: [], removed, totalMs: Date.now() - started };
}

/** Waits until the old shard's relay has passed every event of the forum; false if it never did. */
async function waitForRelay(db: Database, source: pg.Client, forumId: string, shard: number, waitMs: number, log: (line: string) => void): Promise<boolean> {
  const cursor = relayCursor(db, shard);
  const until = Date.now() + waitMs;
  let told = false;
  for (;;) {
    const n = (await source.query<{ n: number }>(moveSql.unrelayed, [forumId, cursor])).rows[0].n;
    if (n === 0) return true;
    if (Date.now() > until) {
      log(`the old copy stays: ${n} of its events are not relayed yet (is a worker running?); run the same command again to remove it`);
      return false;
    }
    if (!told) log(`waiting for the worker to relay ${n} events of the old copy`);
    told = true;
    await sleep(200);
  }
}

/** Removes a forum's content from one shard, a few threads per transaction. */
async function removeForum(client: pg.Client, forumId: string, batch: number): Promise<void> {
  let after = '0';
  for (;;) {
    const ids = (await client.query<{ id: string }>(moveSql.threadIdsPage, [forumId, after, Math.max(1, Math.floor(batch / 100))])).rows.map((r) => r.id);
    if (ids.length === 0) return;
    await client.query('BEGIN');
    for (const sql of moveSql.removeThreads) await client.query(sql, [ids]);
    await client.query('COMMIT');
    after = ids[ids.length - 1];
  }
}
