// `scripts/start.ts` as a child process on a data directory and Postgres port of a test's own, the
// way a person runs `pnpm start:only`: ready once it prints its banner.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const script = fileURLToPath(new URL('../../scripts/start.ts', import.meta.url));

export interface Running {
  /** start.ts's own pid */
  pid: number;
  out: () => string;
  url: string;
  adminToken: string;
  moderatorKey: string;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** start.ts until it exits: for a start that must be refused */
export async function startRefused(dataDir: string, pgPort: number): Promise<{ code: number | null; out: string }> {
  const { exited, out } = launch(dataDir, pgPort);
  const code = await exited;
  return { code, out: out() };
}

function launch(dataDir: string, pgPort: number) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PARLEY_DATA_DIR: dataDir, PARLEY_EMBEDDED_PG_PORT: String(pgPort), PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: '', PARLEY_ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  return { child, exited, out: () => out };
}

export async function start(dataDir: string, pgPort: number): Promise<Running> {
  const { child, exited, out: output } = launch(dataDir, pgPort);
  let out = '';
  await new Promise<void>((ok, fail) => {
    const timer = setInterval(() => {
      out = output();
      if (out.includes('Ctrl-C stops everything')) {
        clearInterval(timer);
        ok();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`start.ts exited (${code}) before it was ready:\n${output()}`));
    });
  });
  const field = (re: RegExp) => re.exec(out)?.[1] ?? '';
  return {
    pid: child.pid!,
    out: output,
    url: field(/running at (http:\/\/\S+)/),
    adminToken: field(/admin token:\s+(\S+)/),
    moderatorKey: field(/moderator key:\s+(\S+)/),
    async stop(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

