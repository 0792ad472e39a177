// A Postgres a test may kill: a throwaway embedded cluster of its own (never the test run's shared
// server, which every other test file uses) in a temp directory, on a free loopback port.
// `kill(signal)` signals the postmaster (SIGKILL: a crash; SIGINT: a fast shutdown) and waits
// until it is gone; `restart()` starts it again (retrying while its old backends exit) on
// the same port and data directory, so clients reconnect to the address they know, and the data
// written before the kill is there (crash recovery replays the WAL). Stopped and removed on
// teardown. For outage tests: the realtime tier's, the chaos programs'.
//
// fsync and full_page_writes are off, as in the run's server: a killed process leaves its writes
// in the OS page cache, which survives it (only a machine crash would need them). synchronous_commit
// stays on: off, a commit's WAL may still sit in shared memory when the postmaster is killed, and
// the restarted server would have lost writes that clients saw committed.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../../packages/data/src/migrate.ts';
import { freePort, startEmbeddedPostgres, type EmbeddedPg } from '../../scripts/lib/embedded-postgres.ts';
import type { TapTest } from './db.ts';

export interface TestPostgres {
  port: number;
  /** connection string of database `db` (default: the migrated `parley`) */
  url(db?: string): string;
  /** the postmaster's pid, while it runs */
  pid(): number | undefined;
  /** true while the postmaster runs */
  running(): boolean;
  /** signals the postmaster; resolves once it is gone and a restart can take the port and directory */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** fast shutdown (SIGINT): clients are disconnected, nothing is lost */
  stop(): Promise<void>;
  /** stops it if it runs, then starts it again on the same port and data directory */
  restart(): Promise<void>;
}

export interface TestPostgresOptions {
  /** create database `parley` and apply the migrations (default true) */
  migrate?: boolean;
  /** extra `postgres` flags */
  flags?: string[];
}

const GONE_MS = 20_000;
const RESTART_MS = 30_000;
const FLAGS = ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'];

export async function testPostgres(t: TapTest, opts: TestPostgresOptions = {}): Promise<TestPostgres> {
  const root = await mkdtemp(join(tmpdir(), 'parley-pg-'));
  await chmod(root, 0o755); // as root, postgres runs as its own user and must enter this directory
  const dir = join(root, 'pg');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  let server: EmbeddedPg | undefined;
  let postmaster: number | undefined;

  const start = async () => {
    server = await startEmbeddedPostgres({ dir, port, password, flags: [...FLAGS, ...(opts.flags ?? [])], log });
    postmaster = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  };
  const alive = (pid: number | undefined): boolean => {
    if (pid === undefined) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  try {
    await start();
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  t.teardown(async () => {
    if (!t.passing()) t.comment(`test postgres on port ${port}:\n${lines.slice(-20).join('\n')}`);
    if (alive(postmaster)) await server?.stop().catch(() => {});
    await rm(root, { recursive: true, force: true });
  });
  const url = (db = 'parley') => server!.url(db);
  if (opts.migrate !== false) {
    await server!.ensureDatabase('parley');
    await migrate(url('parley'), log);
  }

  const pgApi: TestPostgres = {
    port,
    url,
    pid: () => (alive(postmaster) ? postmaster : undefined),
    running: () => alive(postmaster),
    async kill(signal = 'SIGKILL') {
      const pid = postmaster;
      if (!alive(pid)) return;
      process.kill(pid!, signal);
      const until = Date.now() + GONE_MS;
      while (alive(pid)) {
        if (Date.now() > until) throw new Error(`postgres (pid ${pid}) still runs ${GONE_MS} ms after ${signal}`);
        await new Promise((ok) => setTimeout(ok, 20));
      }
    },
    async stop() {
      if (alive(postmaster)) await server!.stop();
    },
    async restart() {
      await pgApi.stop();
      // After a SIGKILL the backends notice their postmaster's death on their own, a moment later;
      // until they have all exited, a new postmaster refuses the old shared memory. Retry.
      const until = Date.now() + RESTART_MS;
      for (;;) {
        try {
          await start();
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((ok) => setTimeout(ok, 200));
        }
      }
      // ready means accepting connections, but crash recovery may still refuse the first few
      const c = new pg.Client({ connectionString: url('postgres') });
      c.on('error', () => {});
      await c.connect();
      await c.end();
    },
  };
  return pgApi;
}
