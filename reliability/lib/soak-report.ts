// The soak's table and verdict from its samples. RSS after warm-up is a sawtooth (a major GC
// gives back tens of MB at once), so growth compares medians: of the first third of the samples
// after warm-up and of the last third (at least one sample each). Event-loop delay p99 is the
// probe's histogram over everything after warm-up.
import type { SampleRow } from './sampler.ts';

export const RSS_GROWTH_LIMIT = 0.1;
export const API_P99_LIMIT_MS = 20;
/** the processes the RSS target applies to (Postgres and Redis are shown, for the record) */
export const GATED = ['api', 'worker', 'realtime'];

export interface ProcessFigures {
  name: string;
  start: number;
  warm: number;
  end: number;
  max: number;
  growth: number;
  /** least-squares slope of memory over the samples after warm-up, bytes per 10 minutes */
  trend: number;
  /** V8 heap in use after warm-up and at the end (Node only) */
  heapWarm?: number;
  heapEnd?: number;
  p99?: number;
  worstIntervalP99?: number;
  maxDelay?: number;
  /** the pid changed during the run (a death and restart): growth compares two processes */
  restarted: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

function slope(xs: number[], ys: number[]): number {
  if (xs.length < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : 0;
}

export function figures(rows: SampleRow[], warmupS: number, names: string[]): ProcessFigures[] {
  return names.flatMap((name) => {
    const mine = rows.filter((r) => r.procs[name]);
    if (mine.length === 0) return [];
    const after = mine.filter((r) => r.t >= warmupS);
    const base = after.length ? after : mine;
    const mem = (rs: SampleRow[]) => rs.map((r) => r.procs[name]!.memory);
    const third = Math.max(1, Math.floor(base.length / 3));
    const first = base.slice(0, third);
    const lastThird = base.slice(-third);
    const warm = median(mem(first));
    const end = median(mem(lastThird));
    const last = mine[mine.length - 1].procs[name]!;
    const pids = new Set(base.map((r) => r.procs[name]!.pid));
    const heap = (rs: SampleRow[]) => rs.map((r) => r.procs[name]!.heap).filter((x): x is number => x !== undefined);
    const intervalP99 = base.map((r) => r.procs[name]!.p99).filter((x): x is number => x !== undefined);
    return [{
      name,
      start: mine[0].procs[name]!.memory,
      warm,
      end,
      max: Math.max(...mem(base)),
      growth: (end - warm) / warm,
      trend: slope(base.map((r) => r.t), mem(base)) * 600,
      heapWarm: heap(first).length ? median(heap(first)) : undefined,
      heapEnd: heap(lastThird).length ? median(heap(lastThird)) : undefined,
      p99: last.totalP99,
      worstIntervalP99: intervalP99.length ? Math.max(...intervalP99) : undefined,
      maxDelay: last.totalMax,
      restarted: pids.size > 1,
    }];
  });
}

export function table(fs: ProcessFigures[]): string[] {
  const head = ['process', 'memory start', 'after warm-up', 'end', 'max', 'growth', 'trend /10 min', 'heap warm → end', 'loop p99', 'worst sample p99', 'loop max'];
  const rows = fs.map((f) => [
    f.name === 'postgres' ? 'postgres (PSS)' : f.name,
    mb(f.start),
    mb(f.warm),
    mb(f.end),
    mb(f.max),
    `${f.growth >= 0 ? '+' : ''}${(f.growth * 100).toFixed(1)} %${f.restarted ? ' (restarted)' : ''}`,
    `${f.trend >= 0 ? '+' : ''}${(f.trend / 1048576).toFixed(1)} MB`,
    f.heapWarm === undefined ? '-' : `${mb(f.heapWarm)} → ${mb(f.heapEnd!)}`,
    f.p99 === undefined ? '-' : `${f.p99.toFixed(2)} ms`,
    f.worstIntervalP99 === undefined ? '-' : `${f.worstIntervalP99.toFixed(2)} ms`,
    f.maxDelay === undefined ? '-' : `${f.maxDelay.toFixed(1)} ms`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), ...rows.map(fmt)];
}

export function verdict(fs: ProcessFigures[], problems: string[]): { ok: boolean; line: string } {
  const why: string[] = [...problems];
  for (const f of fs.filter((x) => GATED.includes(x.name))) {
    if (f.restarted) why.push(`${f.name} restarted during the run`);
    else if (f.growth > RSS_GROWTH_LIMIT) why.push(`${f.name} RSS grew ${(f.growth * 100).toFixed(1)} % after warm-up (limit ${RSS_GROWTH_LIMIT * 100} %)`);
  }
  const api = fs.find((f) => f.name === 'api');
  if (!api || api.p99 === undefined) why.push('no event-loop figures from the API');
  else if (api.p99 > API_P99_LIMIT_MS) why.push(`API event-loop delay p99 ${api.p99.toFixed(2)} ms > ${API_P99_LIMIT_MS} ms`);
  const growths = fs.filter((x) => GATED.includes(x.name)).map((f) => `${f.name} ${(f.growth * 100).toFixed(1)} %`).join(', ');
  return why.length
    ? { ok: false, line: `soak verdict: FAIL: ${why.join('; ')}` }
    : { ok: true, line: `soak verdict: PASS: RSS after warm-up within ${RSS_GROWTH_LIMIT * 100} % (${growths}); API event-loop delay p99 ${api!.p99!.toFixed(2)} ms ≤ ${API_P99_LIMIT_MS} ms` };
}
