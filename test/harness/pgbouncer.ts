// A real pgbouncer for a test: Debian's pgbouncer (1.18) on 127.0.0.1 and a free port, in
// transaction pooling, in front of a Postgres the test names. Its config and user list live in a
// temp dir removed on teardown. pgbouncer refuses to run as root, so as root it runs as the
// `postgres` system user (the one the embedded Postgres runs as). `kill()` takes it away (SIGKILL),
// `start()` brings it back on the same port. Where the binary is missing the harness throws,
// saying how to install it: `npm test` installs it (scripts/bootstrap.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../scripts/lib/free-port.ts';
import { dyingWithParent, which } from './binaries.ts';
import type { TapTest } from './db.ts';

export interface TestPgbouncer {
  port: number;
  /** the target's connection string with pgbouncer's host and port (same user, password, database) */
  url(target: string): string;
  start(): Promise<void>;
  kill(): Promise<void>;
}

const READY_MS = 10_000;

/** pgbouncer in front of the Postgres that `serverUrl` (any database on it) names. */
export async function testPgbouncer(t: TapTest, serverUrl: string, opts: { poolSize?: number } = {}): Promise<TestPgbouncer> {
  const bin = which('pgbouncer');
  if (!bin) {
    throw new Error('pgbouncer is not installed. Install the Debian package: `apt-get install -y --no-install-recommends pgbouncer`; `npm test` does this itself (scripts/bootstrap.sh).');
  }
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const dir = await mkdtemp(join(tmpdir(), 'parley-pgbouncer-'));
  await chmod(dir, 0o755); // the postgres user reads its config here
  const port = await freePort();
  const ini = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = plain',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${opts.poolSize ?? 10}`,
    'max_client_conn = 500',
    // node-pg's startup packet; pgbouncer refuses parameters it does not know unless told to ignore them
    'ignore_startup_parameters = extra_float_digits,options',
    'server_reset_query =',
    'log_connections = 0',
    'log_disconnections = 0',
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), `${ini}\n`, { mode: 0o644 });
  await writeFile(join(dir, 'userlist.txt'), `"${user}" "${password.replaceAll('"', '""')}"\n`, { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  let child: ChildProcess | undefined;
  let output = '';

  const url = (target: string): string => {
    const u = new URL(target);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };

  async function start(): Promise<void> {
    output = '';
    const [cmd, argv] = dyingWithParent(bin!, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')]);
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => void (output = (output + d).slice(-4000));
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    child = proc;
    const deadline = Date.now() + READY_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`pgbouncer exited before it answered: ${output.trim()}`);
      const client = new pg.Client({ connectionString: url(serverUrl), connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (err) {
        await client.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`pgbouncer on port ${port} did not answer within ${READY_MS} ms: ${(err as Error).message}; ${output.trim()}`);
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }

  async function kill(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((ok) => proc.once('exit', () => ok()));
    proc.kill('SIGKILL');
    await gone;
  }

  try {
    await start();
  } catch (err) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  t.teardown(async () => {
    await kill();
    await rm(dir, { recursive: true, force: true });
  });
  return { port, url, start, kill };
}
