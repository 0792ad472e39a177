// A standalone API as a real process (`node apps/api/src/main.ts`) for e2e tests: started on a
// port of its own with the given environment, ready once GET /healthz answers 200, stopped the
// way an orchestrator stops it (SIGTERM; it must exit 0), startable again on the same port (a
// rolling restart). Killed with the test process (setpriv --pdeathsig).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/lib/free-port.ts';
import { dyingWithParent } from '../../scripts/lib/binaries.ts';
import type { TapTest } from './db.ts';
import { until } from './until.ts';

const MAIN = fileURLToPath(new URL('../../apps/api/src/main.ts', import.meta.url));

export interface ApiProcess {
  name: string;
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGTERM; resolves once it exited, rejects unless it exited 0 */
  stop(): Promise<void>;
  output(): string;
}

export async function apiProcess(t: TapTest, name: string, env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<number | string | null> = Promise.resolve(null);
  let output = '';
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  async function start(): Promise<void> {
    const [cmd, args] = dyingWithParent(process.execPath, ['--max-semi-space-size=16', MAIN]);
    const proc = spawn(cmd, args, { env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => void (output = (output + d).slice(-8000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    exited = new Promise((ok) => proc.once('exit', (code, signal) => ok(signal ?? code)));
    child = proc;
    await until(`API ${name} to answer /healthz`, 20_000, async () => {
      if (!alive()) throw new Error(`API ${name} exited: ${output}`);
      const r = await fetch(`${url}/healthz`).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    });
  }

  async function stop(): Promise<void> {
    if (alive()) {
      child!.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    const status = await exited;
    if (status !== 0 && status !== null) throw new Error(`API ${name} exited with ${status}: ${output}`);
  }

  t.teardown(async () => {
    if (!t.passing()) t.comment(`API ${name} output:\n${output}`);
    await stop().catch(() => {});
  });
  await start();
  return { name, port, url, start, stop, output: () => output };
}
