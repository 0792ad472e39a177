// Where the CPU went during a phase, read from /proc (Linux only; elsewhere every figure is
// NaN). On a 2-core machine the API, Postgres and the load generator share the same cores, so
// "cores used" per process is the evidence for what limited a figure.
import { readFileSync, readdirSync } from 'node:fs';

const TICKS = 100; // USER_HZ: /proc reports CPU in 1/100 s on every Linux we run on

function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces; everything after its closing paren is fields 3..
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime+stime (and, with `children`, the CPU of its reaped children) of one process, in seconds. */
function cpuOf(pid: number | 'self', children = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  // fields 14..17 (utime, stime, cutime, cstime) are at index 11..14 once fields 1 and 2 are cut
  const own = Number(f[11]) + Number(f[12]);
  return (own + (children ? Number(f[13]) + Number(f[14]) : 0)) / TICKS;
}

/** Postgres: the postmaster with its reaped backends, plus every live backend. */
function postgresCpu(postmasterPid: number): number {
  let total = cpuOf(postmasterPid, true);
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return NaN;
  }
  for (const d of pids) {
    const f = statFields(Number(d));
    if (f && Number(f[1]) === postmasterPid) total += cpuOf(Number(d));
  }
  return total;
}

function machineBusy(): { busy: number; total: number } {
  try {
    const [, ...nums] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const v = nums.map(Number);
    const idle = v[3] + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / TICKS, total: total / TICKS };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

export interface CpuSample {
  at: number;
  api: number;
  postgres: number;
  self: number;
  children: number;
  machine: number;
}

export function sampleCpu(pids: { api?: number; postmaster?: number }): CpuSample {
  return {
    at: performance.now(),
    api: pids.api ? cpuOf(pids.api) : 0,
    postgres: pids.postmaster ? postgresCpu(pids.postmaster) : 0,
    self: cpuOf('self'),
    children: (() => { const f = statFields('self'); return f ? (Number(f[13]) + Number(f[14])) / TICKS : 0; })(),
    machine: machineBusy().busy,
  };
}

/** Cores used per process between two samples, e.g. "api 0.97, postgres 0.71, loadgen 0.28 (machine 1.98 of 2)". */
export interface CoresUsed {
  api: number;
  postgres: number;
  loadgen: number;
  children: number;
  machine: number;
  /** busy CPU that none of ours used: other work on the machine (noise) */
  other: number;
}

export function coresUsed(a: CpuSample, b: CpuSample): CoresUsed {
  const s = (b.at - a.at) / 1000;
  const c = {
    api: (b.api - a.api) / s,
    postgres: (b.postgres - a.postgres) / s,
    loadgen: (b.self - a.self) / s,
    children: (b.children - a.children) / s,
    machine: (b.machine - a.machine) / s,
  };
  return { ...c, other: Math.max(0, c.machine - c.api - c.postgres - c.loadgen - c.children) };
}

/**
 * Waits (at most `maxSeconds`) until the machine is nearly idle, so a phase doesn't start while
 * something else (a test run, a build) holds the cores. Returns the busy cores last seen.
 */
export async function waitForQuiet(log: (line: string) => void, maxSeconds = 30, busyBelow = 0.25): Promise<number> {
  const until = performance.now() + maxSeconds * 1000;
  let warned = false;
  for (;;) {
    const a = machineBusy();
    const t = performance.now();
    await new Promise((ok) => setTimeout(ok, 1000));
    const busy = (machineBusy().busy - a.busy) / ((performance.now() - t) / 1000);
    if (!(busy >= busyBelow) || performance.now() > until) {
      if (busy >= busyBelow) log(`machine still busy (${busy.toFixed(2)} cores used by others) after ${maxSeconds} s; measuring anyway`);
      return busy;
    }
    if (!warned) log(`machine busy (${busy.toFixed(2)} cores used by other processes); waiting up to ${maxSeconds} s for it to quiet down`);
    warned = true;
  }
}

/** utime + stime of one process so far, in seconds. */
export const cpuSeconds = (pid: number): number => cpuOf(pid);

/** VmRSS of a process, in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/**
 * Cores each named group of processes used between the call and `end()`; with `postmaster`, all
 * of Postgres too; `machine` is the whole machine and `other` what none of them used.
 */
export function cpuMeter(groups: Record<string, number[]>, postmaster?: number): { end(): Record<string, number> } {
  const read = () => {
    const r: Record<string, number> = {};
    for (const [name, pids] of Object.entries(groups)) r[name] = pids.reduce((a, p) => a + cpuOf(p), 0);
    if (postmaster) r.postgres = postgresCpu(postmaster);
    r.machine = machineBusy().busy;
    return r;
  };
  const t0 = performance.now();
  const a = read();
  return {
    end() {
      const b = read();
      const s = (performance.now() - t0) / 1000;
      const out: Record<string, number> = {};
      for (const k of Object.keys(a)) out[k] = (b[k] - a[k]) / s;
      const ours = Object.keys(out).filter((k) => k !== 'machine').reduce((x, k) => x + out[k], 0);
      out.other = Math.max(0, out.machine - ours);
      return out;
    },
  };
}
