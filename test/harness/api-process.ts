// A standalone API as a real process for e2e tests: `apps/api/src/main.ts` started the way
// `pnpm topology:up` starts it (scripts/lib/topology-processes.ts) on a port of its own, ready once
// GET /healthz answers 200, stopped the way an orchestrator stops it (SIGTERM; it must exit 0), and
// startable again on the same port (a rolling restart). It dies with the test process.
import { freePort } from '../../scripts/lib/free-port.ts';
import { startApp, type Running } from '../../scripts/lib/topology-processes.ts';
import type { TapTest } from './db.ts';

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
  let running: Running | undefined;
  let lastOutput = '';
  const start = async () => {
    running = await startApp('api', name, port, { LOG_LEVEL: 'info', ...env });
  };
  const stop = async () => {
    if (!running) return;
    const was = running;
    running = undefined;
    const status = await was.stop();
    lastOutput = was.output();
    if (status !== 0) throw new Error(`API ${name} exited with ${status}: ${lastOutput}`);
  };
  const output = () => running?.output() ?? lastOutput;
  t.teardown(async () => {
    if (!t.passing()) t.comment(`API ${name} output:\n${output()}`);
    await stop().catch(() => {});
  });
  await start();
  return { name, port, url: `http://127.0.0.1:${port}`, start, stop, output };
}
