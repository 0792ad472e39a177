// The one data-access seam. Every SQL statement in Parley goes through `Database.exec` or
// `Database.tx`, which pick a pool by route: application area (the seed's vertical partitions),
// content shard (horizontal partitions by forum) and read or write. Nothing else knows where a
// table lives, so adding shards and replicas is a topology change, not a code change.
import pg from 'pg';
import type { ThreadEvent } from './logged-event.ts';
import type { AreaNodes, Topology } from './topology.ts';
import { isConnectionError, translateConnectionError } from './unavailable.ts';
import { readYourWrites, ReplicaMonitor, requiredLsn, type CommitPosition } from './replica-monitor.ts';
import type { ReplicaStatus } from './replicas.ts';

const isReplica = (alias: string): boolean => /\.replica\d+$/.test(alias);

export type Area = 'accounts' | 'forums' | 'content';
export type Mode = 'read' | 'write';

export interface Route {
  area: Area;
  /** content shard; ignored for other areas */
  shard?: number;
  mode: Mode;
  /** read-your-writes: a read that must see this request's own writes goes to the primary */
  fresh?: boolean;
}

export interface DatabaseOptions {
  poolSize?: number;
  connectTimeoutMs?: number;
  /** a replica further behind its primary than this leaves the read rotation (PARLEY_REPLICA_MAX_LAG_MS) */
  replicaMaxLagMs?: number;
  /** how often replicas' positions are checked */
  replicaCheckMs?: number;
}

/**
 * A statement: plain text, or text with a name. A named statement is parsed and planned once per
 * connection (a server-side prepared statement); hot statements are named.
 */
export type Sql = string | { name: string; text: string };

const textOf = (sql: Sql): string => (typeof sql === 'string' ? sql : sql.text);
/**
 * Named statements are prepared per server connection. Through pgbouncer in transaction pooling
 * (1.18 here: no prepared-statement tracking before 1.21) a transaction may land on a server
 * connection that never saw the PREPARE, so an alias reached through pgbouncer sends every
 * statement unnamed; direct aliases keep their names.
 */
const toQuery = (sql: Sql, values: unknown[] | undefined, named: boolean): pg.QueryConfig =>
  typeof sql === 'string' || !named ? { text: textOf(sql), values } : { name: sql.name, text: sql.text, values };

export interface Executor {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: Sql, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Inside `Database.tx`: keep a thread event for the `onCommitted` listeners, told once the transaction commits. */
  record?(event: ThreadEvent): void;
}

export type CommitListener = (events: ThreadEvent[]) => void;


/**
 * Which content shard holds an id: ids carry their shard in the bits above 2^48 (each shard's
 * sequences start at shard * 2^48; see docs/adr/0001). The one-machine default is shard 0.
 */
export const SHARD_SHIFT = 48n;
export const shardOfId = (id: string): number => Number(BigInt(id) >> SHARD_SHIFT);

/** Where a node is in its primary's WAL: a replica's replay position, a primary's current one. */
const nodePosition = {
  name: 'parley_node_position',
  text: 'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn',
};

export type QueryListener = (alias: string, text: string) => void;

export class Database {
  private readonly pools = new Map<string, pg.Pool>();
  /** aliases whose pool connects through pgbouncer (transaction pooling): no named statements there */
  private readonly pgbouncerAliases = new Set<string>();
  private readonly listeners = new Set<QueryListener>();
  private readonly commitListeners = new Set<CommitListener>();
  private readonly topology: Topology;
  private readonly poolSize: number;
  private readonly connectTimeoutMs: number;
  private readonly replicas: ReplicaMonitor;

  constructor(topology: Topology, opts: DatabaseOptions = {}) {
    this.topology = topology;
    this.poolSize = opts.poolSize ?? 10;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.replicas = new ReplicaMonitor({
      maxLagMs: opts.replicaMaxLagMs ?? 5000,
      checkMs: opts.replicaCheckMs ?? 250,
      probe: async (alias, text) => (await this.pool(alias, this.routeOf(alias)).query(text)).rows[0].lsn,
    });
  }

  /**
   * The alias a route resolves to, e.g. `content.0` or `content.0.replica1`. A read goes to a
   * replica that is answering, within the lag bound and (read-your-writes) past the LSN this
   * request must see; with none, to the primary.
   */
  alias(route: Route): string {
    const nodes = this.nodes(route);
    const base = route.area === 'content' ? `content.${route.shard ?? 0}` : route.area;
    const replicas = nodes.replicas ?? [];
    if (route.mode === 'write' || route.fresh || replicas.length === 0) return base;
    return this.replicas.pick(base, replicas.map((_, i) => `${base}.replica${i + 1}`), requiredLsn(base)) ?? base;
  }

  async exec<R extends pg.QueryResultRow = pg.QueryResultRow>(route: Route, sql: Sql, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const alias = this.alias(route);
    this.emit(alias, textOf(sql));
    try {
      return await this.pool(alias, route).query<R>(toQuery(sql, values, !this.pgbouncerAliases.has(alias)));
    } catch (err) {
      // a replica that went away: out of rotation, and this read is served by the primary
      if (isReplica(alias) && isConnectionError(err)) {
        this.replicas.down(alias);
        return this.exec({ ...route, fresh: true }, sql, values);
      }
      return translateConnectionError(err);
    }
  }

  /**
   * A read that knows how new it is: on one connection of the node the route picks (a replica
   * when one is eligible), the node's WAL position first (a replica's replay position, a
   * primary's current one), then `fn`'s statements, which therefore see every write committed
   * at or before that position. The position names the primary's alias: a cached page keeps it
   * (ADR 0010). A replica that cannot be reached is left for the primary, as `exec` does.
   */
  async positioned<T>(route: Route, fn: (ex: Executor) => Promise<T>): Promise<{ result: T; position: CommitPosition }> {
    const alias = this.alias(route);
    const primaryAlias = this.alias({ ...route, mode: 'write' });
    try {
      return await this.onOneConnection(alias, route, async (ex) => {
        const { rows } = await ex.query<{ lsn: string }>(nodePosition);
        const result = await fn(ex);
        return { result, position: { alias: primaryAlias, lsn: rows[0].lsn } };
      });
    } catch (err) {
      // a replica that went away (before or during the read): out of rotation, and the primary reads
      if (isReplica(alias) && isConnectionError(err)) {
        this.replicas.down(alias);
        return this.positioned({ ...route, fresh: true }, fn);
      }
      return translateConnectionError(err);
    }
  }

  /** Statements on one pooled connection of `alias`, outside a transaction. */
  private async onOneConnection<T>(alias: string, route: Route, fn: (ex: Executor) => Promise<T>): Promise<T> {
    const client = await this.pool(alias, route).connect();
    const named = !this.pgbouncerAliases.has(alias);
    let lost: Error | undefined;
    const onError = (err: Error) => void (lost ??= err);
    client.on('error', onError);
    let failed = false;
    try {
      return await fn({
        query: <R extends pg.QueryResultRow>(sql: Sql, values?: unknown[]) => {
          this.emit(alias, textOf(sql));
          return client.query<R>(toQuery(sql, values, named));
        },
      });
    } catch (err) {
      failed = isConnectionError(err);
      throw err;
    } finally {
      client.off('error', onError);
      client.release(lost || failed ? true : undefined);
    }
  }

  /** Each replica's standing (state, lag), for /healthz and `topology:status`. */
  replicaStatus(): ReplicaStatus[] {
    return this.replicas.status();
  }

  /** Runs `fn` in one transaction on the route's primary. Keep network calls out of `fn`. */
  async tx<T>(route: Omit<Route, 'mode'>, fn: (ex: Executor) => Promise<T>): Promise<T> {
    const primary: Route = { ...route, mode: 'write' };
    const alias = this.alias(primary);
    const client = await this.pool(alias, primary).connect().catch(translateConnectionError);
    const named = !this.pgbouncerAliases.has(alias);
    // pg-pool listens for a client's errors only while it is idle: a checked-out client whose
    // server goes away (restart, failover) would otherwise raise an unhandled 'error' and take the
    // process down. The failed query rejects on its own; this only keeps the event handled.
    let lost: Error | undefined;
    const onError = (err: Error) => void (lost ??= err);
    client.on('error', onError);
    const recorded: ThreadEvent[] = [];
    const ex: Executor = {
      query: <R extends pg.QueryResultRow>(sql: Sql, values?: unknown[]) => {
        this.emit(alias, textOf(sql));
        return client.query<R>(toQuery(sql, values, named));
      },
      record: (event) => void recorded.push(event),
    };
    let broken = false;
    try {
      await ex.query('BEGIN');
      const result = await fn(ex);
      await this.commit(client, alias, named);
      if (recorded.length) this.committed(recorded);
      return result;
    } catch (err) {
      if (lost) broken = true;
      else {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
      }
      return translateConnectionError(err);
    } finally {
      client.off('error', onError);
      client.release(broken || lost ? true : undefined);
    }
  }

  /**
   * COMMIT. Where a request is listening (read-your-writes), the commit's WAL position comes back
   * in the same round trip: the insert position right after the commit is at or past the commit
   * record, so a replica that replayed it sees this write, and a cached page rendered at or past
   * it holds it (the page cache, ADR 0010).
   */
  private async commit(client: pg.PoolClient, alias: string, named: boolean): Promise<void> {
    const rw = readYourWrites.getStore();
    this.emit(alias, 'COMMIT');
    if (!rw) {
      await client.query(toQuery('COMMIT', undefined, named));
      return;
    }
    const results = (await client.query('COMMIT; SELECT pg_current_wal_insert_lsn()::text AS lsn')) as unknown as pg.QueryResult[];
    rw.committed = { alias, lsn: results[1].rows[0].lsn as string };
  }

  /** Every primary alias with its route: what a process depends on (/healthz checks each). */
  primaries(): { alias: string; route: Route }[] {
    const areas: Route[] = [{ area: 'accounts', mode: 'write' }, { area: 'forums', mode: 'write' }, ...this.shards().map((shard): Route => ({ area: 'content', shard, mode: 'write' }))];
    return areas.map((route) => ({ alias: this.alias(route), route }));
  }

  /**
   * Every database that holds events, once each (by primary), with the route that reaches it and
   * its relay cursor's name: the content shards first (cursor `signals:<shard>`), then the forums
   * and accounts databases when they are databases of their own. One database serves every alias
   * in the one-machine default, so there this is content shard 0 alone.
   */
  eventSources(): { route: Omit<Route, 'mode'>; cursor: string; url: string }[] {
    const all: { route: Omit<Route, 'mode'>; cursor: string }[] = [
      ...this.shards().map((shard) => ({ route: { area: 'content' as const, shard }, cursor: `signals:${shard}` })),
      { route: { area: 'forums' }, cursor: 'signals:forums' },
      { route: { area: 'accounts' }, cursor: 'signals:accounts' },
    ];
    const seen = new Set<string>();
    const out: { route: Omit<Route, 'mode'>; cursor: string; url: string }[] = [];
    for (const s of all) {
      const url = this.primaryUrl(s.route);
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({ ...s, url });
    }
    return out;
  }

  /** Every distinct content shard, for jobs that must visit all of them. */
  shards(): number[] {
    return Object.keys(this.topology.content).map(Number);
  }

  hasShard(shard: number): boolean {
    return Object.hasOwn(this.topology.content, shard);
  }

  /** Called after each commit that wrote thread events (the API publishes them to the realtime tier). */
  onCommitted(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** The primary's connection string for a route: for sessions that live outside the pools (LISTEN). */
  primaryUrl(route: Omit<Route, 'mode'>): string {
    return this.nodes({ ...route, mode: 'write' }).primary;
  }

  onQuery(listener: QueryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.replicas.close();
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end()));
  }

  private emit(alias: string, text: string): void {
    for (const l of this.listeners) l(alias, text);
  }

  private committed(events: ThreadEvent[]): void {
    for (const l of this.commitListeners) {
      try {
        l(events);
      } catch {
        // a listener's failure must not turn a committed write into an error
      }
    }
  }

  /** The route an alias names (for the replica checks, which know only aliases). */
  private routeOf(alias: string): Route {
    const m = /^(accounts|forums|content)(?:\.(\d+))?(?:\.replica\d+)?$/.exec(alias);
    if (!m) throw new Error(`not an alias: ${alias}`);
    return { area: m[1] as Area, shard: m[2] === undefined ? undefined : Number(m[2]), mode: isReplica(alias) ? 'read' : 'write' };
  }

  private nodes(route: Route): AreaNodes {
    if (route.area !== 'content') return this.topology[route.area];
    const nodes = this.topology.content[route.shard ?? 0];
    if (!nodes) throw new Error(`no database configured for content shard ${route.shard}`);
    return nodes;
  }

  private pool(alias: string, route: Route): pg.Pool {
    let pool = this.pools.get(alias);
    if (!pool) {
      const nodes = this.nodes(route);
      const m = /\.replica(\d+)$/.exec(alias);
      const url = m ? nodes.replicas![Number(m[1]) - 1] : (nodes.pgbouncer ?? nodes.primary);
      if (!m && nodes.pgbouncer) this.pgbouncerAliases.add(alias);
      pool = new pg.Pool({
        connectionString: url,
        max: this.poolSize,
        application_name: `parley:${alias}`,
        // with the server away, a request fails fast with database_unavailable instead of queueing
        connectionTimeoutMillis: this.connectTimeoutMs,
        keepAlive: true,
      });
      // An idle client that errors (server restart) must not crash the process; the pool drops it.
      pool.on('error', () => {});
      // pg-pool listens for a client's errors only while the client sits idle in the pool. A
      // checked-out client has ours (tx, onOneConnection, pool.query's own), but one released with
      // an error is being ended with no listener at all, and a backend's FATAL (57P01 when the
      // postmaster dies) that arrives then would be an uncaught 'error'. Every client keeps this
      // one for its whole life; failures still reach whoever runs a statement, as rejections.
      pool.on('connect', (client) => client.on('error', () => {}));
      this.pools.set(alias, pool);
    }
    return pool;
  }
}
