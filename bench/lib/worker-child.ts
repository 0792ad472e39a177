// Worker processes for bench:worker: spawns bench/lib/worker-process.ts, waits (with a deadline)
// for its {"ready": true} line, passes its failure lines on to the benchmark's log, and stops it
// with SIGTERM (SIGKILL after 15 s). No worker outlives the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export interface WorkerChild {
  pid: number;
  /** log lines that said something failed (relay steps, pg-boss errors, dead-lettered events) */
  failures: string[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export async function spawnWorker(o: { name: string; env: Record<string, string>; args?: string[]; log: (line: string) => void; timeoutMs?: number }): Promise<WorkerChild> {
  const child = spawn(process.execPath, [script, ...(o.args ?? [])], { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const failures: string[] = [];
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (/fail|error|dead-letter|EXPERIMENT/i.test(line)) {
      if (!/EXPERIMENT/.test(line)) failures.push(line);
      if (failures.length <= 20) o.log(`${o.name}: ${line}`);
    }
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => { live.delete(child); ok(); }));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${o.name} not ready within ${o.timeoutMs ?? 30_000} ms\n${tail.join('\n')}`)), o.timeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"ready"')) {
        clearTimeout(timer);
        ok();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`${o.name} exited before it was ready (code ${child.exitCode})\n${tail.join('\n')}`));
    });
  });
  return {
    pid: child.pid!,
    failures,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
