// Issue 10, defects 1 and 2, as a person meets them with `pnpm start`: the embedded Postgres dies
// under a running Parley (it is restarted, and requests answer 503 meanwhile); Parley itself is
// SIGKILLed (its Postgres notices and stops); a Postgres orphaned by an earlier, killed run is
// stopped by the next start; and a second start on a directory whose owner is alive is refused
// without touching the first one's Postgres.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/lib/free-port.ts';
import { postgresBinary, postgresIds } from '../scripts/lib/embedded-postgres.ts';
import { isAlive } from '../scripts/lib/postgres-lock.ts';
import { start, startRefused } from './harness/start.ts';
import { until } from './harness/until.ts';

const postmasterPid = async (dataDir: string) => Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

t.test('pnpm start supervises its Postgres, which dies with it; the next start takes over an orphan', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
  await chmod(dataDir, 0o755);
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const pgPort = await freePort();

  const first = await start(dataDir, pgPort);
  const pg1 = await postmasterPid(dataDir);
  process.kill(pg1, 'SIGKILL');
  const away = await until('a 503 while Postgres is down', 10_000, async () => {
    const r = await fetch(`${first.url}/healthz`).catch(() => undefined);
    return r && r.status !== 200 ? r : undefined;
  });
  t.equal(away.status, 503, 'healthz answers 503 while Postgres is away');
  t.equal(((await away.json()) as { error: { code: string } }).error.code, 'database_unavailable');
  await until('healthz 200 once Postgres is back', 30_000, async () => ((await fetch(`${first.url}/healthz`)).status === 200 ? true : undefined));
  t.match(first.out(), /exited unexpectedly \(SIGKILL\); restarting it[\s\S]*Postgres restarted/, 'start.ts restarted its Postgres');
  t.not(await postmasterPid(dataDir), pg1, 'under a new pid');
  const thread = await fetch(`${first.url}/v1/forums/demo/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: 'after-crash' }) });
  t.equal(thread.status, 201, 'and writes work again');

  // a second Parley on the same directory is refused while the first is alive, and leaves it alone
  const pg2 = await postmasterPid(dataDir);
  const refused = await startRefused(dataDir, pgPort);
  t.not(refused.code, 0, 'a second start on a directory in use exits non-zero');
  t.match(refused.out, new RegExp(`Parley \\(pid ${first.pid}\\) is already running`), 'and says who holds it');
  t.ok(await isAlive(pg2), 'the first one\'s Postgres still runs');
  t.equal((await fetch(`${first.url}/healthz`)).status, 200, 'and so does the first Parley');

  // SIGKILL of start.ts: its Postgres is told by the kernel (pdeathsig) and shuts down by itself
  t.equal(await first.stop('SIGKILL'), null, 'start.ts killed');
  await t.resolves(until('the Postgres of a killed start.ts to stop by itself', 20_000, async () => ((await isAlive(pg2)) ? undefined : true)), 'its Postgres stopped by itself');

  // An orphan that did not notice (started without pdeathsig, its owner long gone): the next start stops it.
  const orphan = spawn(await postgresBinary(), ['-D', join(dataDir, 'pg'), '-p', String(pgPort), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
    ...(await postgresIds()),
    detached: true,
    stdio: 'ignore',
  });
  orphan.unref();
  t.teardown(() => void (orphan.exitCode === null && orphan.kill('SIGKILL')));
  await until('the orphan to take the directory', 20_000, async () => ((await postmasterPid(dataDir).catch(() => 0)) === orphan.pid ? true : undefined));
  const dead = spawnSync('true').pid;
  await writeFile(join(dataDir, 'pg.owner'), `${dead}\n`);
  const second = await start(dataDir, pgPort);
  t.match(second.out(), new RegExp(`found Postgres \\(pid ${orphan.pid}\\) still running[\\s\\S]*stopped the orphaned Postgres`), 'the next start stopped the orphan');
  t.notOk(await isAlive(orphan.pid!), 'the orphan is gone');
  const again = await fetch(`${second.url}/v1/forums/demo/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: 'after-crash' }) });
  t.equal(again.status, 200, 'the thread written between the crashes is there (found, not created)');
  t.equal(await second.stop('SIGINT'), 0, 'and it stops cleanly');
});
