// Which streaming replicas may serve a read, decided from observations alone (no I/O here; the
// Database polls and feeds it). A replica serves when it answered its last check, is within
// `maxLagMs` of its primary, and, for a read that brings a commit LSN (read-your-writes), has
// replayed past that LSN. Otherwise the read goes to the primary: a lagging or dead replica costs
// the primary some load, never the user an error. A replica rejoins at its next good check.

/** A pg_lsn ("16/B374D848") as a number that compares. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error(`not an LSN: ${text.slice(0, 40)}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

export const isLsn = (text: string): boolean => /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text);

interface Observed {
  /** replay position at the last good check; undefined before the first */
  lsn?: bigint;
  /** the last check (or a read) failed: out of rotation until a check succeeds */
  down: boolean;
  at: number;
}

export interface ReplicaStatus {
  alias: string;
  state: 'unknown' | 'down' | 'lagging' | 'ok';
  lagMs: number;
  replayLsn?: bigint;
}

export class ReplicaTracker {
  /** the primary's WAL position over time, oldest first: what "behind by N ms" is measured against */
  private readonly primary: { at: number; lsn: bigint }[] = [];
  private readonly replicas = new Map<string, Observed>();
  private readonly maxLagMs: number;
  /** a replica not heard from for this long counts as down (its checks stopped answering) */
  private readonly staleMs: number;

  constructor(opts: { maxLagMs: number; staleMs: number }) {
    this.maxLagMs = opts.maxLagMs;
    this.staleMs = opts.staleMs;
  }

  primaryAt(lsn: bigint, at: number): void {
    const last = this.primary[this.primary.length - 1];
    if (last && last.lsn === lsn) return; // idle primary: the first sample at this position tells since when
    this.primary.push({ at, lsn });
    // keep enough history to measure up to twice the bound
    while (this.primary.length > 2 && this.primary[1].at < at - 2 * this.maxLagMs - this.staleMs) this.primary.shift();
  }

  replicaAt(alias: string, lsn: bigint, at: number): void {
    this.replicas.set(alias, { lsn, down: false, at });
  }

  replicaDown(alias: string, at: number): void {
    const prev = this.replicas.get(alias);
    this.replicas.set(alias, { lsn: prev?.lsn, down: true, at });
  }

  /** How far behind its primary a replica is: 0 when it has replayed all the primary had. */
  lagMs(alias: string, now: number): number {
    const r = this.replicas.get(alias);
    if (!r || r.down || r.lsn === undefined) return Infinity;
    // the first moment the primary was past the replica's position: behind since then
    const ahead = this.primary.find((s) => s.lsn > r.lsn!);
    return ahead ? Math.max(0, now - ahead.at) : 0;
  }

  status(alias: string, now: number): ReplicaStatus {
    const r = this.replicas.get(alias);
    const lagMs = this.lagMs(alias, now);
    if (!r || (r.lsn === undefined && !r.down)) return { alias, state: 'unknown', lagMs };
    if (r.down || now - r.at > this.staleMs) return { alias, state: 'down', lagMs: Infinity, replayLsn: r.lsn };
    return { alias, state: lagMs > this.maxLagMs ? 'lagging' : 'ok', lagMs, replayLsn: r.lsn };
  }

  /** May this replica serve a read now (that needs `minLsn` replayed, if given)? */
  usable(alias: string, now: number, minLsn?: bigint): boolean {
    const s = this.status(alias, now);
    if (s.state !== 'ok') return false;
    return minLsn === undefined || (s.replayLsn !== undefined && s.replayLsn >= minLsn);
  }
}
