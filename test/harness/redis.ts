// A real Redis for a test: the Debian `redis-server` on 127.0.0.1 and a free port, without
// persistence (`--save '' --appendonly no`, its directory a temp dir removed on teardown).
// `stop()` and `restart()` take it away and bring it back on the same port, so clients that were
// connected reconnect on their own; that is how tests simulate an outage. Stopped on teardown.
//
// Where the binary is missing the harness throws, saying how to install it: a test that needs
// Redis never skips (`npm test` installs it, see scripts/bootstrap.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import type { TapTest } from './db.ts';
import { dyingWithParent, which } from '../../scripts/lib/binaries.ts';

export { dyingWithParent } from '../../scripts/lib/binaries.ts';
import { ping } from '../../scripts/lib/redis-ping.ts';

export { ping } from '../../scripts/lib/redis-ping.ts';

export interface TestRedis {
  /** redis://127.0.0.1:<port> (for REDIS_URL) */
  url: string;
  port: number;
  /** stops the server (SIGTERM; SIGKILL after 5 s); connected clients see the connection drop */
  stop(): Promise<void>;
  /** stops the server if it runs, then starts it again on the same port */
  restart(): Promise<void>;
}

const READY_MS = 10_000;
const STOP_MS = 5_000;

export function redisServerBinary(): string {
  const bin = which('redis-server');
  if (!bin) {
    throw new Error(
      'redis-server is not installed, and the realtime tests need a real Redis. Install the Debian package: ' +
        '`apt-get install -y --no-install-recommends redis-server` (as root, or with sudo); `npm test` does this itself (scripts/bootstrap.sh).',
    );
  }
  return bin;
}

export async function testRedis(t: TapTest): Promise<TestRedis> {
  const bin = redisServerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'parley-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  const args = () => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', '', '--loglevel', 'warning', '--daemonize', 'no'];

  async function start(): Promise<void> {
    output = '';
    const [cmd, argv] = dyingWithParent(bin, args());
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => void (output = (output + d).slice(-4000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const exited = new Promise<string>((ok) => proc.once('exit', (code, signal) => ok(`redis-server exited (${signal ?? code}) before it answered PING: ${output.trim()}`)));
    child = proc;
    const deadline = Date.now() + READY_MS;
    for (;;) {
      const answer = await Promise.race([ping(port), exited]);
      if (answer === 'PONG') return;
      if (proc.exitCode !== null || proc.signalCode !== null) {
        child = undefined;
        throw new Error(answer);
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`redis-server on port ${port} did not answer PING within ${READY_MS} ms: ${output.trim()}`);
      }
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((ok) => proc.once('exit', () => ok()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_MS);
    await gone;
    clearTimeout(timer);
  }

  // The free port may be taken between freePort() and the server's bind: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/i.test(output)) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }

  t.teardown(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      // The same port, on purpose: clients reconnect to the address they know.
      await start();
    },
  };
}
