// The two timed measurements of bench:realtime, run the same way against Parley and against the
// bare ws ceiling:
// - delay: comments at a fixed rate over many threads; for every (comment, subscriber of its
//   thread) the receipt time minus the 2xx time, both on the benchmark process's clock;
// - fan-out: one comment to a thread every client subscribes to; from the 2xx until the last
//   client has it, a few rounds (after unrecorded warm-up rounds when the layout had no delay
//   phase to warm it up).
import { ClientFleet, nowAbs } from './realtime-clients.ts';
import { postOne, postPaced, type PostRequest } from './realtime-poster.ts';
import { cpuMeter } from './cpu.ts';
import { analyzeDelay, quantiles, type DelayFigures, type Quantiles } from './realtime-delay.ts';

export { quantiles, type Quantiles } from './realtime-delay.ts';

export interface DelayResult extends DelayFigures {
  label: string;
  posted: number;
  rate: number;
  failed: number;
  skipped: number;
  expected: number;
  /** request → 2xx, ms */
  post: Quantiles;
  cores: Record<string, number>;
  sampleFrame?: string;
}

export async function measureDelay(o: {
  label: string;
  fleet: ClientFleet;
  base: string;
  rate: number;
  seconds: number;
  warmup: number;
  request: (i: number) => PostRequest;
  /** how many clients subscribe to a thread */
  subscribersOf: (threadId: string) => number;
  /** the server's coalescing window (0: it has none) */
  coalesceMs: number;
  lateMs: number;
  pids: Record<string, number[]>;
  postmaster?: number;
  log: (line: string) => void;
}): Promise<DelayResult> {
  await o.fleet.record('delay');
  if (o.warmup > 0) await postPaced({ label: `${o.label} warm-up`, base: o.base, rate: o.rate, seconds: o.warmup, request: o.request, log: o.log });
  await new Promise((ok) => setTimeout(ok, 500));
  await o.fleet.collectDeliveries(); // drop the warm-up's
  const meter = cpuMeter(o.pids, o.postmaster);
  const t0 = performance.now();
  const startAbs = nowAbs();
  const run = await postPaced({ label: o.label, base: o.base, rate: o.rate, seconds: o.seconds, request: (i) => o.request(i + 1_000_000), log: o.log });
  const runSeconds = (performance.now() - t0) / 1000;
  const cores = meter.end();
  await new Promise((ok) => setTimeout(ok, 1500)); // the last comments' deliveries
  const { deliveries, pingAt, sampleFrame } = await o.fleet.collectDeliveries();
  await o.fleet.record('off');
  if (run.firstError) o.log(`${o.label}: first failed POST: ${run.firstError}`);
  return {
    label: o.label,
    posted: run.posted.length,
    rate: run.posted.length / runSeconds,
    failed: run.failed,
    skipped: run.skipped,
    expected: run.posted.reduce((a, p) => a + o.subscribersOf(p.threadId), 0),
    post: quantiles(run.posted.map((p) => p.latency)),
    cores,
    sampleFrame,
    ...analyzeDelay({ posted: run.posted, deliveries, pingAt, startAbs, coalesceMs: o.coalesceMs, lateMs: o.lateMs }),
  };
}

export interface FanoutRound {
  /** 2xx → the last client's receipt, ms */
  last: number;
  /** 2xx → the median client's receipt */
  p50: number;
  /** 2xx → the first client's receipt */
  first: number;
  got: number;
  seqs: number[];
  cores: Record<string, number>;
  /** with several servers: 2xx → the last receipt among each server's clients */
  lastBy?: Record<string, number>;
}

export interface FanoutResult {
  label: string;
  subscribers: number;
  rounds: FanoutRound[];
  last: Quantiles;
  /** the ceiling only: how long each ceiling process's send loop took, per round (ms), by process */
  sendLoopMs?: Record<string, number[]>;
  /** how many server processes the subscribers were split over */
  servers: number;
}

export async function measureFanout(o: {
  label: string;
  fleet: ClientFleet;
  base: string;
  threadId: string;
  subscribers: number;
  rounds: number;
  /** rounds run first and not recorded */
  warmupRounds?: number;
  request: (round: number) => PostRequest;
  pids: Record<string, number[]>;
  /** the server a client (by g) is connected to, when there are several */
  serverOf?: (g: number) => string;
  servers?: number;
  log: (line: string) => void;
}): Promise<FanoutResult> {
  const rounds: FanoutRound[] = [];
  const warmup = o.warmupRounds ?? 0;
  for (let r = -warmup; r < o.rounds; r++) {
    await o.fleet.record('fanout', o.threadId);
    await new Promise((ok) => setTimeout(ok, 400)); // past the hub's coalescing window, quiet sockets
    const meter = cpuMeter(o.pids);
    const posted = await postOne(o.base, o.request(r));
    const until = performance.now() + 10_000;
    let got = 0;
    while ((got = await o.fleet.fanGot()) < o.subscribers && performance.now() < until) await new Promise((ok) => setTimeout(ok, 10));
    const cores = meter.end();
    const { at, g, seqs } = await o.fleet.collectFanout();
    const q = quantiles(at.map((t) => t - posted.okAt));
    let lastBy: Record<string, number> | undefined;
    if (o.serverOf) {
      lastBy = {};
      at.forEach((t, i) => {
        const s = o.serverOf!(g[i]);
        lastBy![s] = Math.max(lastBy![s] ?? -Infinity, t - posted.okAt);
      });
    }
    const by = lastBy ? `; last per server ${Object.entries(lastBy).map(([s, ms]) => `${s} ${ms.toFixed(1)} ms`).join(', ')}` : '';
    o.log(`${o.label} ${r < 0 ? `warm-up round ${r + warmup + 1}` : `round ${r + 1}`}: ${got.toLocaleString('en-US')} of ${o.subscribers.toLocaleString('en-US')} clients; ` +
      `2xx → first ${q.min.toFixed(1)} ms, median ${q.p50.toFixed(1)} ms, last ${q.max.toFixed(1)} ms${by} (POST took ${posted.latency.toFixed(1)} ms)`);
    if (r >= 0) rounds.push({ last: q.max, p50: q.p50, first: q.min, got, seqs, cores, lastBy });
  }
  await o.fleet.record('off');
  return { label: o.label, subscribers: o.subscribers, rounds, last: quantiles(rounds.map((r) => r.last)), servers: o.servers ?? 1 };
}
