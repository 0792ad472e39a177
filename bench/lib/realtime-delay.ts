// What the delay phase of bench:realtime makes of its raw data: per delivery, receipt − 2xx; and
// for the deliveries later than the target, which known cause they fall under:
// - coalescing: the comment followed another comment on the same thread by less than the hub's
//   coalescing window (PARLEY_REALTIME_COALESCE_MS), so the hub held it until the window closed;
// - heartbeat: its 2xx came while the server pinged many connections at once (the clients see the
//   pings arrive: pings less than 20 ms apart are one cluster, and a cluster of at least
//   BURST_PINGS is a burst), or up to 300 ms after, while the pongs come back. Since fa77b32 a
//   node pings a slice of its connections every 100 ms (34 per tick at 10,000), so there are no
//   bursts left to find; before, every connection was pinged in one loop every 30 s;
// - other: neither (scheduling on the shared cores, GC, …).
import type { Delivery } from './realtime-clients.ts';
import type { Posted } from './realtime-poster.ts';

export interface Quantiles {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function quantiles(xs: number[]): Quantiles {
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  return { n: s.length, min: s[0] ?? NaN, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1] ?? NaN };
}

/** pings in one cluster that make a burst: at the 13–16 µs per ping measured before fa77b32, ≥ 13 ms of the node's event loop */
const BURST_PINGS = 1000;

export interface DelayFigures {
  /** 2xx → receipt, ms, every delivery of the window */
  delay: Quantiles;
  /** per comment, its first subscriber's delay: the pipeline without the spread over subscribers */
  firstPerPost: Quantiles;
  /** deliveries of comments under neither known cause */
  neither: Quantiles;
  /** share of deliveries later than 5, 10, 15, 25, 50 ms */
  over: Record<number, number>;
  /** deliveries whose frame carried more than one event */
  coalescedFrames: number;
  /** bursts of server pings seen in the window; `at` in seconds from the window's start */
  pingBursts: { at: number; spanMs: number; pings: number }[];
  /** every server ping seen in the window, in clusters (less than 20 ms apart) */
  pings: { total: number; clusters: number; largest: number; largestSpanMs: number };
  /** deliveries later than `lateMs`, by cause */
  late: { total: number; coalescing: number; heartbeat: number; other: number };
  /** comments that followed another on the same thread within the coalescing window */
  heldComments: number;
  delivered: number;
}

export function analyzeDelay(o: { posted: Posted[]; deliveries: Delivery[]; pingAt: number[]; startAbs: number; coalesceMs: number; lateMs: number }): DelayFigures {
  const clusters: { from: number; to: number; pings: number }[] = [];
  for (const t of [...o.pingAt].sort((x, y) => x - y)) {
    const b = clusters[clusters.length - 1];
    if (b && t - b.to < 20) {
      b.to = t;
      b.pings++;
    } else clusters.push({ from: t, to: t, pings: 1 });
  }
  const bursts = clusters.filter((c) => c.pings >= BURST_PINGS);
  const largest = clusters.reduce((a, c) => (c.pings > a.pings ? c : a), { from: 0, to: 0, pings: 0 });
  const duringHeartbeat = (t: number) => bursts.some((b) => t >= b.from - 50 && t <= b.to + 300);

  const byThread = new Map<string, Posted[]>();
  for (const p of o.posted) {
    if (!byThread.has(p.threadId)) byThread.set(p.threadId, []);
    byThread.get(p.threadId)!.push(p);
  }
  const held = new Set<string>();
  if (o.coalesceMs > 0) {
    for (const ps of byThread.values()) {
      ps.sort((a, b) => a.okAt - b.okAt);
      for (let i = 1; i < ps.length; i++) if (ps[i].okAt - ps[i - 1].okAt < o.coalesceMs + 5) held.add(ps[i].id);
    }
  }

  const byPost = new Map(o.posted.map((p) => [p.id, p]));
  const all: number[] = [];
  const neither: number[] = [];
  const first = new Map<string, number>();
  const late = { total: 0, coalescing: 0, heartbeat: 0, other: 0 };
  let coalescedFrames = 0;
  for (const d of o.deliveries) {
    const p = byPost.get(d.postId);
    if (!p) continue;
    const ms = d.at - p.okAt;
    all.push(ms);
    first.set(d.postId, Math.min(first.get(d.postId) ?? Infinity, ms));
    if (d.batch > 1) coalescedFrames++;
    const cause = held.has(p.id) ? 'coalescing' : duringHeartbeat(p.okAt) ? 'heartbeat' : 'other';
    if (cause === 'other') neither.push(ms);
    if (ms > o.lateMs) {
      late.total++;
      late[cause]++;
    }
  }
  return {
    delay: quantiles(all),
    firstPerPost: quantiles([...first.values()]),
    neither: quantiles(neither),
    over: Object.fromEntries([5, 10, 15, 25, 50].map((ms) => [ms, all.filter((x) => x > ms).length / Math.max(1, all.length)])),
    coalescedFrames,
    pingBursts: bursts.map((b) => ({ at: (b.from - o.startAbs) / 1000, spanMs: b.to - b.from, pings: b.pings })),
    pings: { total: o.pingAt.length, clusters: clusters.length, largest: largest.pings, largestSpanMs: largest.to - largest.from },
    late,
    heldComments: held.size,
    delivered: all.length,
  };
}
