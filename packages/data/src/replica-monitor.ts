// Keeps the ReplicaTracker fed: every `checkMs`, for each primary with replicas that reads have
// used, one statement to the primary (its WAL position) and one to each replica (its replay
// position). A check that fails takes the replica out of rotation; the next good one brings it
// back. The checks are the router's own traffic: they are not reported to query listeners.
// Read-your-writes: `readYourWrites` carries, per request, the LSN its reads must see (a client's
// `Parley-Lsn`) and the commit LSN of its own writes; the Database reads and writes it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { parseLsn, ReplicaTracker, type ReplicaStatus } from './replicas.ts';

/**
 * A place in one primary's WAL: `content.1:0/1A2B3C`. LSNs of different primaries don't compare,
 * so the token names the primary alias it belongs to; a read on another alias ignores it.
 */
export interface CommitPosition {
  alias: string;
  lsn: string;
}

const POSITION = /^((?:accounts|forums|content\.\d{1,5})):([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})$/;

export const formatPosition = (p: CommitPosition): string => `${p.alias}:${p.lsn}`;

export function parsePosition(text: string): CommitPosition | undefined {
  const m = POSITION.exec(text);
  return m ? { alias: m[1], lsn: m[2] } : undefined;
}

export interface ReadYourWrites {
  /** where this request's reads must have caught up to (what a client sent back) */
  after?: CommitPosition;
  /** the commit position of this request's last write, when its database has replicas */
  committed?: CommitPosition;
}

/** Per request (the API enters it for each request): what read-your-writes needs to know. */
export const readYourWrites = new AsyncLocalStorage<ReadYourWrites>();

/** The LSN a read on `primary` must see in this request, if any: the later of the client's and its own writes'. */
export function requiredLsn(primary: string): bigint | undefined {
  const s = readYourWrites.getStore();
  if (!s) return undefined;
  const lsns = [s.after, s.committed].filter((p): p is CommitPosition => p?.alias === primary).map((p) => parseLsn(p.lsn));
  return lsns.length ? lsns.reduce((a, b) => (a > b ? a : b)) : undefined;
}

export interface MonitorOptions {
  maxLagMs: number;
  checkMs: number;
  /** runs one statement on an alias (outside query listeners); rejects when the node does not answer */
  probe(alias: string, text: string): Promise<string>;
}

export class ReplicaMonitor {
  private readonly tracker: ReplicaTracker;
  private readonly o: MonitorOptions;
  /** primary alias -> its replicas' aliases, for every primary reads have asked about */
  private readonly watched = new Map<string, string[]>();
  private timer?: NodeJS.Timeout;
  private checking = false;
  private rr = 0;

  constructor(o: MonitorOptions) {
    this.o = o;
    this.tracker = new ReplicaTracker({ maxLagMs: o.maxLagMs, staleMs: Math.max(3 * o.checkMs, 1000) });
  }

  /** A replica that may serve this read now, or undefined (the primary serves). */
  pick(primary: string, replicas: string[], minLsn?: bigint): string | undefined {
    if (!this.watched.has(primary)) this.watch(primary, replicas);
    const now = Date.now();
    const usable = replicas.filter((r) => this.tracker.usable(r, now, minLsn));
    if (usable.length === 0) return undefined;
    this.rr = (this.rr + 1) % usable.length;
    return usable[this.rr];
  }

  /** A read on this replica failed to connect: out of rotation until a check says otherwise. */
  down(replica: string): void {
    this.tracker.replicaDown(replica, Date.now());
  }

  status(): ReplicaStatus[] {
    const now = Date.now();
    return [...this.watched.values()].flat().map((r) => this.tracker.status(r, now));
  }

  /** Checks now (and waits), e.g. right after start-up; the timer keeps checking. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all([...this.watched].map(([primary, replicas]) => this.checkOne(primary, replicas)));
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private watch(primary: string, replicas: string[]): void {
    this.watched.set(primary, replicas);
    void this.check();
    this.timer ??= setInterval(() => void this.check(), this.o.checkMs);
    this.timer.unref();
  }

  private async checkOne(primary: string, replicas: string[]): Promise<void> {
    try {
      // the primary first: a replica's position is judged against where the primary was before it
      this.tracker.primaryAt(parseLsn(await this.o.probe(primary, 'SELECT pg_current_wal_lsn()::text AS lsn')), Date.now());
    } catch {
      return; // the primary is away: writes fail on their own; replicas keep their last standing
    }
    await Promise.all(replicas.map(async (r) => {
      try {
        const lsn = await this.o.probe(r, 'SELECT pg_last_wal_replay_lsn()::text AS lsn');
        this.tracker.replicaAt(r, parseLsn(lsn), Date.now());
      } catch {
        this.tracker.replicaDown(r, Date.now());
      }
    }));
  }
}
