// Who owns an embedded Postgres data directory. Postgres's own lock is `postmaster.pid` (its pid,
// then its data directory); ours is `<dir>.owner`, the pid of the Parley process that started it.
// A start that finds a live postmaster on its directory looks at the owner:
// - the owner is alive: another Parley runs on this directory, so this start is refused;
// - the owner is gone (it was SIGKILLed, or the machine's OOM killer took it): the postmaster is an
//   orphan of ours, so it is stopped cleanly (fast shutdown, escalating) and this start goes on.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export class DataDirInUse extends Error {}

const ownerFile = (dir: string) => `${resolve(dir)}.owner`;

/** A process that exists and is not a zombie (a zombie's parent, maybe PID 1, has not reaped it). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // "pid (comm) S …": the state follows the last ')'
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function readPid(file: string): Promise<{ pid: number; lines: string[] } | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? { pid, lines } : undefined;
}

const commOf = (pid: number) => readFile(`/proc/${pid}/comm`, 'utf8').then((s) => s.trim(), () => '');

/** Waits until `pid` is gone, up to `ms`; true when it went. */
async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return !(await isAlive(pid));
}

/**
 * Makes the directory free for a new postmaster: nothing to do when no postmaster runs on it;
 * refuses when its owner is alive; stops an orphan. Returns what it did, for the log.
 */
export async function claimDataDir(dir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  const running = await readPid(pidFile);
  if (!running || !(await isAlive(running.pid))) return; // none, or a stale file Postgres handles itself
  if ((await commOf(running.pid)) !== 'postgres' || resolve(running.lines[1] ?? '') !== resolve(dir)) {
    // the pid was reused by something else: the file is stale, but Postgres would refuse it
    log(`removing a stale ${pidFile} (pid ${running.pid} is not this cluster's postmaster)`);
    await rm(pidFile, { force: true });
    return;
  }
  const owner = await readPid(ownerFile(dir));
  // the same process, not another that reused its pid: the start time must match too
  if (owner && owner.pid !== process.pid && owner.lines[1] && (await isAlive(owner.pid)) && (await startTimeOf(owner.pid)) === owner.lines[1]) {
    throw new DataDirInUse(
      `Parley (pid ${owner.pid}) is already running with its Postgres (pid ${running.pid}) on ${dir}; ` +
        `stop it first (kill -INT ${owner.pid}), or give this one another PARLEY_DATA_DIR`,
    );
  }
  log(`found Postgres (pid ${running.pid}) still running on ${dir} from an earlier run that did not stop; stopping it`);
  for (const [signal, ms] of [['SIGINT', 15_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(running.pid, signal);
    } catch {
      break;
    }
    if (await waitGone(running.pid, ms)) break;
    log(`Postgres (pid ${running.pid}) did not stop on ${signal}${signal === 'SIGKILL' ? '' : '; escalating'}`);
  }
  if (await isAlive(running.pid)) throw new DataDirInUse(`could not stop the orphaned Postgres (pid ${running.pid}) on ${dir}`);
  log(`stopped the orphaned Postgres (pid ${running.pid})`);
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat): with the pid, it names one process. */
async function startTimeOf(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

export async function writeOwner(dir: string): Promise<void> {
  await writeFile(ownerFile(dir), `${process.pid}\n${await startTimeOf(process.pid)}\n`);
}

export async function removeOwner(dir: string): Promise<void> {
  const owner = await readPid(ownerFile(dir));
  if (owner?.pid === process.pid) await rm(ownerFile(dir), { force: true });
}
