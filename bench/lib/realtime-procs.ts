// Processes for bench:realtime: servers spawned with a raised file-descriptor limit (Node cannot
// call setrlimit, so a child that needs more descriptors starts under `prlimit --nofile=N:N`),
// readiness read from their output, and what /proc says about them (RSS, CPU, open descriptors).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Proc {
  pid: number;
  /** the first capture group of the `ready` pattern (a URL) */
  url: string;
  /** the last lines it printed (stderr and stdout) */
  tail: string[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** The open-files limit we may give a child: the soft and hard limit of this process, from /proc. */
export function nofileLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/).map((x) => (x === 'unlimited' ? Infinity : Number(x)));
  return { soft, hard };
}

/**
 * The largest open-files limit a child can get, up to `wanted`: raising the hard limit needs
 * CAP_SYS_RESOURCE (root outside a container has it); without it the hard limit is the ceiling.
 */
export function grantableNofile(wanted: number): { limit: number; why: string } {
  const { hard } = nofileLimits();
  if (wanted <= hard) return { limit: wanted, why: `within the hard limit ${hard}` };
  const probe = spawnSync('prlimit', [`--nofile=${wanted}:${wanted}`, 'true'], { encoding: 'utf8' });
  if (probe.status === 0) return { limit: wanted, why: `raised with prlimit (hard limit was ${hard})` };
  const reason = (probe.stderr || probe.error?.message || '').trim().split('\n')[0];
  return { limit: hard, why: `prlimit --nofile=${wanted} refused (${reason}); hard limit ${hard} (no CAP_SYS_RESOURCE here)` };
}

export async function spawnProc(o: {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** a line matching this means ready; group 1 (or a JSON line's "listening") is the URL */
  ready: RegExp | 'json';
  nofile?: number;
  timeoutMs?: number;
}): Promise<Proc> {
  const [cmd, args] = o.nofile ? ['prlimit', [`--nofile=${o.nofile}:${o.nofile}`, o.cmd, ...o.args]] : [o.cmd, o.args];
  const env = { ...process.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  // prlimit execs the command, so the pid is the server's own
  const child = spawn(cmd, args, { env: env as Record<string, string>, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const tail: string[] = [];
  const exited = new Promise<void>((ok) => child.once('exit', () => { live.delete(child); ok(); }));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${o.name} did not start within ${o.timeoutMs ?? 30_000} ms\n${tail.join('\n')}`)), o.timeoutMs ?? 30_000);
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      let got: string | undefined;
      if (o.ready === 'json') {
        try {
          got = (JSON.parse(line) as { listening?: string }).listening;
        } catch {
          // not our line
        }
      } else {
        const m = o.ready.exec(line);
        if (m) got = m[1] ?? '';
      }
      if (got !== undefined) {
        clearTimeout(timer);
        ok(got);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`${o.name} exited before it was ready (code ${child.exitCode})\n${tail.join('\n')}`));
    });
  });
  return {
    pid: child.pid!,
    url,
    tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

/** redis-server on a loopback port, no persistence. */
export async function startRedis(port: number): Promise<Proc & { version: string }> {
  const version = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? '?';
  const p = await spawnProc({
    name: 'redis-server',
    cmd: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    ready: /(Ready to accept connections)/,
  });
  return { ...p, url: `redis://127.0.0.1:${port}`, version };
}

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

/** utime + stime of a process, in seconds (USER_HZ = 100). */
export function cpuSeconds(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds of Postgres: the postmaster, its reaped backends and every live backend. */
export function postgresCpuSeconds(postmaster: number): number {
  let total = 0;
  try {
    const text = readFileSync(`/proc/${postmaster}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    total = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const s = readFileSync(`/proc/${d}/stat`, 'utf8');
        const g = s.slice(s.lastIndexOf(')') + 2).split(' ');
        if (Number(g[1]) === postmaster) total += (Number(g[11]) + Number(g[12])) / 100;
      } catch {
        // gone
      }
    }
  } catch {
    return NaN;
  }
  return total;
}

/** Busy CPU seconds of the whole machine, from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...nums] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const v = nums.map(Number);
  return (v.slice(0, 8).reduce((a, b) => a + b, 0) - v[3] - (v[4] ?? 0)) / 100;
}

/** Cores each named process used between `start()` and `end()`. */
export function cpuMeter(pids: Record<string, number[]>, postmaster?: number): { end(): Record<string, number> } {
  const read = () => {
    const r: Record<string, number> = {};
    for (const [name, ps] of Object.entries(pids)) r[name] = ps.reduce((a, p) => a + cpuSeconds(p), 0);
    if (postmaster) r.postgres = postgresCpuSeconds(postmaster);
    r.machine = machineBusySeconds();
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
