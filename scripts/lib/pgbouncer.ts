// pgbouncer (Debian's 1.18) in transaction pooling, in the foreground, in front of one Postgres:
// its ini and user list in a directory of the caller's, listening on 127.0.0.1. pgbouncer refuses
// to run as root, so as root it runs as the `postgres` system user (the one the embedded Postgres
// runs as), and its directory must be readable by that user. Used by `pnpm topology:up` and the
// test harness.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { dyingWithParent, which } from './binaries.ts';

export interface Pgbouncer {
  port: number;
  /** a connection string of the target's server with pgbouncer's host and port (same user, password, database) */
  url(target: string): string;
  start(): Promise<void>;
  /** SIGKILL (an outage) */
  kill(): Promise<void>;
  /** SIGINT: pgbouncer's own safe shutdown */
  stop(): Promise<void>;
  output(): string;
}

const READY_MS = 10_000;

export function pgbouncerBinary(): string {
  const bin = which('pgbouncer');
  if (!bin) throw new Error('pgbouncer is not installed. Install the Debian package: `apt-get install -y --no-install-recommends pgbouncer` (npm test and pnpm topology:up do this themselves).');
  return bin;
}

/** Writes the configuration into `dir` and starts pgbouncer on `port`; resolves once it answers. */
export async function startPgbouncer(o: { serverUrl: string; dir: string; port: number; poolSize?: number }): Promise<Pgbouncer> {
  const bin = pgbouncerBinary();
  const server = new URL(o.serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  await mkdir(o.dir, { recursive: true });
  await chmod(o.dir, 0o755); // the postgres user reads its config here
  const ini = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${o.port}`,
    'unix_socket_dir =',
    'auth_type = plain',
    `auth_file = ${join(o.dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${o.poolSize ?? 10}`,
    'max_client_conn = 500',
    // node-pg's startup packet; pgbouncer refuses parameters it does not know unless told to ignore them
    'ignore_startup_parameters = extra_float_digits,options',
    'server_reset_query =',
    'log_connections = 0',
    'log_disconnections = 0',
  ].join('\n');
  await writeFile(join(o.dir, 'pgbouncer.ini'), `${ini}\n`, { mode: 0o644 });
  await writeFile(join(o.dir, 'userlist.txt'), `"${user}" "${password.replaceAll('"', '""')}"\n`, { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  let child: ChildProcess | undefined;
  let output = '';

  const url = (target: string): string => {
    const u = new URL(target);
    u.hostname = '127.0.0.1';
    u.port = String(o.port);
    return u.toString();
  };

  async function start(): Promise<void> {
    output = '';
    const [cmd, argv] = dyingWithParent(bin, [...(asRoot ? ['-u', 'postgres'] : []), join(o.dir, 'pgbouncer.ini')]);
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => void (output = (output + d).slice(-4000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    child = proc;
    const deadline = Date.now() + READY_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`pgbouncer exited before it answered: ${output.trim()}`);
      const client = new pg.Client({ connectionString: url(o.serverUrl), connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`pgbouncer on port ${o.port} did not answer within ${READY_MS} ms: ${(err as Error).message}; ${output.trim()}`);
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((ok) => proc.once('exit', () => ok()));
    proc.kill(sig);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (err) {
    await signal('SIGKILL');
    throw err;
  }
  return { port: o.port, url, start, kill: () => signal('SIGKILL'), stop: () => signal('SIGINT'), output: () => output };
}
