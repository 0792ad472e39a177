// Memory and event-loop delay of every process of the stack at one moment. Node processes answer
// through their probe (RSS, and event-loop delay since the last sample and since the warm-up
// mark); Redis's RSS comes from /proc; Postgres is many processes sharing its buffers, so its
// figure is the PSS summed over the postmaster and its children (shared pages counted once).
import { readFileSync } from 'node:fs';
import type { Stack } from './stack.ts';

export interface ProcFigures {
  pid: number;
  /** bytes: RSS (Node, Redis) or summed PSS (Postgres) */
  memory: number;
  /** bytes of V8 heap in use (Node only) */
  heap?: number;
  /** bytes V8 has committed for its heap, and outside it (buffers): RSS minus these is malloc's and the code's */
  heapTotal?: number;
  external?: number;
  /** live heap after a full GC (Node, when the sample asked for it) */
  liveHeap?: number;
  /** event-loop delay (ms) since the previous sample, and since the warm-up mark (Node only) */
  p99?: number;
  max?: number;
  totalP99?: number;
  totalMax?: number;
}

export interface SampleRow {
  /** seconds since the load started */
  t: number;
  procs: Record<string, ProcFigures | undefined>;
}

function procKb(path: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process just left
  }
}

export async function sampleStack(stack: Stack, t: number, mark: boolean, gc = false): Promise<SampleRow> {
  const procs: SampleRow['procs'] = {};
  const got = await Promise.all(stack.nodeServices.map((s) => s.sample(mark, gc)));
  stack.nodeServices.forEach((s, i) => {
    const g = got[i];
    procs[s.name] = g && { pid: g.pid, memory: g.rss, heap: g.heapUsed, heapTotal: g.heapTotal, external: g.external, liveHeap: g.liveHeap, p99: g.interval.p99, max: g.interval.max, totalP99: g.total.p99, totalMax: g.total.max };
  });
  const pgPids = stack.postgres.pids();
  if (pgPids.length) procs.postgres = { pid: pgPids[0], memory: 1024 * pgPids.reduce((sum, pid) => sum + procKb(`/proc/${pid}/smaps_rollup`, 'Pss'), 0) };
  const redisPid = stack.redis?.pid();
  if (redisPid) procs.redis = { pid: redisPid, memory: 1024 * procKb(`/proc/${redisPid}/status`, 'VmRSS') };
  return { t, procs };
}
