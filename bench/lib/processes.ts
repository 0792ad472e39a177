// Every long-lived process a benchmark starts (the apps, the ceilings, redis-server), in its own
// process so the load generator never shares its event loop: spawned with a deadline to become
// ready, its last output lines kept for the error that says why it did not, stopped with SIGTERM
// (SIGKILL after a grace period), and killed if the benchmark exits first. A child that needs more
// file descriptors starts under `prlimit --nofile=N:N` (Node cannot call setrlimit); prlimit execs
// the command, so the pid is the server's own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Proc {
  name: string;
  pid: number;
  /** what readiness yielded: the URL it serves */
  url: string;
  /** the last lines it printed (stdout and stderr) */
  tail: string[];
  stop(): Promise<void>;
}

/**
 * When it is ready: `healthz`: GET on that URL answers 200 (the URL it serves is `url`); `line`: a
 * line it prints matches (group 1, if any, is the URL); `json`: it prints {"listening": url}.
 */
export type Readiness = { healthz: string; url: string } | { line: RegExp } | 'json';

export interface SpawnOptions {
  name: string;
  /** a Node script (run with this process's Node 24, the workspace's), or a program on PATH */
  program: URL | string;
  args?: string[];
  /** Node flags before the script */
  nodeFlags?: string[];
  /** merged over this process's environment; undefined removes a variable */
  env?: Record<string, string | undefined>;
  ready: Readiness;
  /** every line it prints, as it prints it */
  onLine?: (line: string) => void;
  nofile?: number;
  timeoutMs?: number;
  /** after SIGTERM, how long before SIGKILL */
  graceMs?: number;
}

const live = new Set<ChildProcess>();
/** Last resort on an abrupt exit: no child outlives the benchmark. */
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export async function spawnProcess(o: SpawnOptions): Promise<Proc> {
  const argv = o.program instanceof URL
    ? [process.execPath, ...(o.nodeFlags ?? []), fileURLToPath(o.program), ...(o.args ?? [])]
    : [o.program, ...(o.args ?? [])];
  const [cmd, ...args] = o.nofile ? ['prlimit', `--nofile=${o.nofile}:${o.nofile}`, ...argv] : argv;
  // the moderation rules off unless a bench turns them on (bench:write's rules phase): their
  // defaults hold a first comment, and the other benches measure published comments
  const env: Record<string, string | undefined> = { PARLEY_MODERATION_RULES: 'false', ...process.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(cmd, args, { env: env as Record<string, string>, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const tail: string[] = [];
  const timeoutMs = o.timeoutMs ?? 30_000;
  const url = await new Promise<string>((ok, fail) => {
    let settled = false;
    const settle = (err: Error | undefined, value = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) fail(err);
      else ok(value);
    };
    const timer = setTimeout(() => settle(new Error(`${o.name} not ready within ${timeoutMs} ms\n${tail.join('\n')}`)), timeoutMs);
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      o.onLine?.(line);
      if (o.ready === 'json') {
        try {
          const got = (JSON.parse(line) as { listening?: string }).listening;
          if (got) settle(undefined, got);
        } catch {
          // not its ready line
        }
      } else if ('line' in o.ready) {
        const m = o.ready.line.exec(line);
        if (m) settle(undefined, m[1] ?? '');
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then(() => settle(new Error(`${o.name} exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})\n${tail.join('\n')}`)));
    if (typeof o.ready === 'object' && 'healthz' in o.ready) {
      const { healthz, url: serves } = o.ready;
      void (async () => {
        while (!settled) {
          const up = await fetch(healthz, { signal: AbortSignal.timeout(2000) }).then(async (r) => (await r.arrayBuffer(), r.status === 200), () => false);
          if (up) settle(undefined, serves);
          else await new Promise((r) => setTimeout(r, 100));
        }
      })();
    }
  }).catch((err: Error) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  });
  return {
    name: o.name,
    pid: child.pid!,
    url,
    tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

/** redis-server on a loopback port, no persistence. */
export async function startRedis(port: number): Promise<Proc & { version: string }> {
  const version = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? '?';
  const p = await spawnProcess({
    name: 'redis-server',
    program: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    ready: { line: /Ready to accept connections/ },
  });
  return { ...p, url: `redis://127.0.0.1:${port}`, version };
}

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
