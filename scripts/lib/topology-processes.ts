// The processes `pnpm topology:up` runs besides Postgres: Redis, memcached, HAProxy and Parley's own
// standalone processes (API, realtime, worker), each in the foreground, dying with the topology
// process (setpriv --pdeathsig), ready once it answers, stopped with SIGTERM (SIGKILL after 15 s).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dyingWithParent, which } from './binaries.ts';
import { PARLEY_NODE_FLAGS } from './node-flags.ts';
import { ping } from './redis-ping.ts';

export interface Running {
  name: string;
  /** where it answers (http://, redis://) */
  url: string;
  /** SIGTERM (SIGKILL after 15 s); resolves with how it exited: its code, or the signal that ended it */
  stop(): Promise<number | string | null>;
  output(): string;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

async function waitFor(what: string, child: ChildProcess, output: () => string, ready: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${output().slice(-2000)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`${what} was not ready within ${ms / 1000} s: ${output().slice(-2000)}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

function run(name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; stop: () => Promise<number | string | null> } {
  const [c, a] = dyingWithParent(cmd, args);
  // a process group of its own: a signal meant for ours (a terminal's Ctrl-C, a test runner ending
  // a sibling) does not reach it; it is stopped by stop(), or dies with us (--pdeathsig)
  const child = spawn(c, a, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d: Buffer) => void (out = (out + d).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string | null>((ok) => child.once('exit', (code, signal) => ok(signal ?? code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  return { child, output: () => out, stop };
}

const httpOk = (url: string) => async () => (await fetch(url)).status === 200;

/** A Parley process: `apps/<app>/src/main.ts` with the topology's environment; ready when its /healthz answers 200. */
export async function startApp(app: 'api' | 'realtime' | 'worker', name: string, port: number, env: Record<string, string>): Promise<Running> {
  const portVar = { api: 'PORT', realtime: 'PARLEY_REALTIME_PORT', worker: 'PARLEY_WORKER_HEALTH_PORT' }[app];
  const p = run(name, process.execPath, [...PARLEY_NODE_FLAGS, `${root}apps/${app}/src/main.ts`], { ...process.env, ...env, [portVar]: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(name, p.child, p.output, httpOk(`${url}/healthz`), 60_000);
  return { name, url, stop: p.stop, output: p.output };
}

export async function startRedis(port: number, dir: string): Promise<Running> {
  const bin = which('redis-server');
  if (!bin) throw new Error('redis-server is not installed: `apt-get install -y --no-install-recommends redis-server` (pnpm topology:up does this itself)');
  const p = run('redis', bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no']);
  await waitFor('redis', p.child, p.output, async () => (await ping(port)) === 'PONG');
  return { name: 'redis', url: `redis://127.0.0.1:${port}`, stop: p.stop, output: p.output };
}

/** memcached's `version` answer on 127.0.0.1:port, or an error. */
export function memcachedVersion(port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(got.trim());
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`memcached on port ${port} did not answer within ${timeoutMs} ms`)));
    socket.on('error', done);
    socket.on('connect', () => socket.write('version\r\n'));
    socket.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('VERSION') ? undefined : new Error(got.trim()));
    });
  });
}

/**
 * Debian's memcached in the foreground on 127.0.0.1:port, UDP off, `memoryMb` of cache. As root
 * it runs as `nobody` (memcached refuses root without `-u`).
 */
export async function startMemcached(port: number, opts: { memoryMb?: number } = {}): Promise<Running> {
  const bin = which('memcached');
  if (!bin) throw new Error('memcached is not installed: `apt-get install -y --no-install-recommends memcached` (npm test and pnpm topology:up do this themselves)');
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const p = run(`memcached:${port}`, bin, [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(opts.memoryMb ?? 64), '-c', '4096']);
  await waitFor(`memcached on port ${port}`, p.child, p.output, async () => (await memcachedVersion(port)).startsWith('VERSION'));
  return { name: `memcached:${port}`, url: `127.0.0.1:${port}`, stop: p.stop, output: p.output };
}

export async function startHaproxy(configFile: string, port: number): Promise<Running> {
  const bin = which('haproxy');
  if (!bin) throw new Error('haproxy is not installed: `apt-get install -y --no-install-recommends haproxy` (pnpm topology:up does this itself)');
  const p = run('haproxy', bin, ['-db', '-f', configFile]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('haproxy', p.child, p.output, httpOk(`${url}/healthz`));
  return { name: 'haproxy', url, stop: p.stop, output: p.output };
}
