// Servers under test run in their own Node 24 process, so the load generator never shares their
// event loop. `spawnServer` waits (with a deadline) for the child's {"listening": url} line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Node 24 from the workspace (the machine's `node` may be older). */
export const nodeBin = process.execPath;

export interface ServerChild {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
/** Last resort on an abrupt exit: no server outlives the benchmark. */
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export async function spawnServer(script: URL, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<ServerChild> {
  const child = spawn(nodeBin, [fileURLToPath(script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => { live.delete(child); ok(); }));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${script.pathname} did not start within ${timeoutMs} ms\n${stderr.join('')}`)), timeoutMs);
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { listening?: string };
        if (msg.listening) {
          clearTimeout(timer);
          ok(msg.listening);
        }
      } catch {
        // not our line
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`${script.pathname} exited before listening (code ${child.exitCode})\n${stderr.join('')}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
