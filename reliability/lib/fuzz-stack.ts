// What the fuzzer runs against: a Postgres (a throwaway embedded one, or a database it is given)
// and the API as a child process over real HTTP. The child's RSS is read from /proc; its exit
// while the fuzzer runs is a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { startThrowawayPostgres } from '../../scripts/lib/throwaway-postgres.ts';
import { PARLEY_NODE_FLAGS } from '../../scripts/lib/node-flags.ts';

export const FUZZ_ADMIN_TOKEN = `fuzz-admin-${randomBytes(8).toString('hex')}`;
export const FUZZ_SECRET = `fuzz-secret-${randomBytes(16).toString('hex')}`;

export interface ApiChild {
  url: string;
  pid: number;
  /** resident set size of the API process, in bytes */
  rss(): Promise<number>;
  /** set once the process has exited (a crash while fuzzing) */
  exited(): { code: number | null; signal: string | null } | undefined;
  /** after a full GC in the API process: its RSS, live heap and off-heap bytes */
  memory(): Promise<Memory>;
  /** lines the API logged at error level (unhandled errors behind a 5xx), newest last */
  errors: string[];
  stderr(): string;
  stop(): Promise<void>;
}

export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Starts the API child on `databaseUrl` (already migrated), on a free port. */
export async function spawnApi(databaseUrl: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ApiChild> {
  const script = fileURLToPath(new URL('./fuzz-api.ts', import.meta.url));
  const child = spawn(process.execPath, [...PARLEY_NODE_FLAGS, '--expose-gc', script], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      PARLEY_ADMIN_TOKEN: FUZZ_ADMIN_TOKEN,
      PARLEY_SECRET: FUZZ_SECRET,
      LOG_LEVEL: 'info',
      // the fuzzer is one client address sending thousands of writes a second: no write limit
      PARLEY_WRITE_RATE_PER_MINUTE: '0',
      PARLEY_VOTE_RATE_PER_MINUTE: '0',
      PARLEY_FLAG_RATE_PER_HOUR: '0',
      // nor login and reset limits (the seed alone signs in more often than a person would)
      PARLEY_LOGIN_PER_ADDRESS: '0',
      PARLEY_LOGIN_PER_ACCOUNT: '0',
      PARLEY_RESET_PER_ADDRESS: '0',
      PARLEY_RESET_PER_EMAIL: '0',
      // webhooks to 127.0.0.1 may be created (nothing delivers them: no worker runs)
      PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  let exit: { code: number | null; signal: string | null } | undefined;
  const exited = new Promise<void>((ok) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      live.delete(child);
      ok();
    }),
  );
  const errors: string[] = [];
  const memoryWaiters: ((m: Memory) => void)[] = [];
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the API did not start within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    lines.on('line', (line) => {
      let msg: { memory?: Memory } | undefined;
      try {
        msg = JSON.parse(line) as { memory?: Memory };
      } catch {
        // not JSON: keep it as an error line
      }
      if (msg?.memory) {
        memoryWaiters.shift()?.(msg.memory);
        return;
      }
      // main.ts logs JSON lines: {…,"name":"api","msg":"api: listening on <url> (…)"}
      const listening = /api: listening on ([^\s"]+)/.exec(line)?.[1];
      if (listening) {
        clearTimeout(timer);
        ok(listening);
        return;
      }
      if (/^\S+ api: /.test(line)) return;
      errors.push(line);
      if (errors.length > 200) errors.shift();
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`the API exited before listening (${JSON.stringify(exit)})\n${stderr}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    rss: () => rssOf(pid),
    memory: () =>
      new Promise<Memory>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('the API did not report its memory within 10 s')), 10_000);
        memoryWaiters.push((m) => {
          clearTimeout(timer);
          ok(m);
        });
        child.kill('SIGUSR2');
      }),
    exited: () => exit,
    errors,
    stderr: () => stderr,
    async stop() {
      if (exit) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface FuzzPostgres {
  url: string;
  stop(): Promise<void>;
}

/** A throwaway embedded Postgres in a temp directory, migrated (as test/run.ts starts one). */
export async function startFuzzPostgres(log: (line: string) => void): Promise<FuzzPostgres> {
  const { url, stop } = await startThrowawayPostgres({
    prefix: 'parley-fuzz-',
    database: 'parley_fuzz',
    flags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    log,
  });
  return { url, stop };
}
