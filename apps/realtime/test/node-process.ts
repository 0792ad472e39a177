// A standalone realtime node as a real process (`node apps/realtime/src/main.ts`) for e2e tests:
// started with the given environment, killed with the test process (setpriv --pdeathsig), its
// output kept and printed when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TapTest } from '../../../test/harness/db.ts';
import type { Frame } from '../../../test/harness/realtime.ts';
import { dyingWithParent } from '../../../test/harness/redis.ts';
import { until } from '../../../test/harness/until.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface NodeProcess {
  name: string;
  /** ws://…/v1/realtime */
  url: string;
  /** GET /healthz: its status code and body */
  healthz(): Promise<{ status: number; body: Frame }>;
  /** the body of GET /healthz */
  health(): Promise<Frame>;
  /** true while the process runs */
  alive(): boolean;
  /** what it printed, the last 8,000 characters */
  output(): string;
  /** SIGTERM, as an orchestrator stops a node; resolves once it exited with 0 */
  stop(): Promise<void>;
}

/** Starts a node; resolves once it listens and (unless waitForBus is false) its bus is connected. */
export async function startNode(t: TapTest, name: string, env: Record<string, string | undefined>, opts: { waitForBus?: boolean } = {}): Promise<NodeProcess> {
  const [cmd, args] = dyingWithParent(process.execPath, [MAIN]);
  const child: ChildProcess = spawn(cmd, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => void (output = (output + d).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string | null>((ok) => child.once('exit', (code, signal) => ok(signal ?? code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (alive()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    const status = await exited;
    if (status !== 0) throw new Error(`realtime node ${name} exited with ${status}: ${output}`);
  };
  t.teardown(async () => {
    if (!t.passing()) t.comment(`realtime node ${name} output:\n${output}`);
    await stop().catch(() => {});
  });
  const url = await until(`realtime node ${name} to listen`, 15_000, async () => {
    if (!alive()) throw new Error(`realtime node ${name} exited (${child.exitCode ?? child.signalCode}): ${output}`);
    return /listening on (ws:\/\/[^\s"]+)/.exec(output)?.[1];
  });
  const healthUrl = url.replace(/^ws:/, 'http:').replace('/v1/realtime', '/healthz');
  const healthz = async () => {
    const res = await fetch(healthUrl);
    return { status: res.status, body: (await res.json()) as Frame };
  };
  const health = async () => (await healthz()).body;
  // A node accepts subscriptions before its bus is up; one the bus can't serve yet would wait for the sweep.
  if (opts.waitForBus !== false) await until(`realtime node ${name}'s bus to connect`, 10_000, async () => ((await health()).busConnected ? true : undefined));
  return { name, url, healthz, health, alive, output: () => output, stop };
}
