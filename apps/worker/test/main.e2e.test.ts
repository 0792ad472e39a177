// The standalone worker process: /healthz answers, SIGTERM exits 0; it waits for a database that is
// down at its start and lives through a Postgres kill.
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testDatabase } from '../../../test/harness/db.ts';
import { ownPostgres } from '../../../test/harness/postgres.ts';
import { until } from '../../../test/harness/until.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

t.test('standalone worker serves /healthz and stops on SIGTERM', async (t) => {
  const { url } = await testDatabase(t);
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, DATABASE_URL: url, PARLEY_WORKER_HEALTH_PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const healthUrl = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
      const m = /health on (http:\/\/\S+\/healthz)/.exec(out);
      if (m) ok(m[1]);
    });
    child.on('exit', (code) => fail(new Error(`worker exited early (${code}): ${out}`)));
  });
  // the health server listens before the worker has started: 503 'starting', then 200
  const res = await until('healthz 200', 20_000, async () => {
    const r = await fetch(healthUrl);
    return r.status === 200 ? r : undefined;
  });
  t.equal(res.status, 200);
  t.same(await res.json(), { status: 'ok' });
  t.equal((await fetch(healthUrl.replace('/healthz', '/nope'))).status, 404);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exits 0 on SIGTERM');
});

t.test('standalone worker refuses to start without DATABASE_URL', async (t) => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [main], { env, stdio: 'ignore' });
  const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
  t.equal(code, 2);
});

t.test('a standalone worker started while Postgres is down waits for it, then works; it survives a Postgres kill', async (t) => {
  const own = await ownPostgres(t);
  await own.pg.kill('SIGKILL');
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, DATABASE_URL: own.url, PARLEY_WORKER_HEALTH_PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const healthUrl = await until('the health endpoint', 20_000, async () => /health on (http:\/\/\S+\/healthz)/.exec(out)?.[1]);
  // a kept-alive connection the server closes just as fetch reuses it resets: no answer, poll again
  const status = () => fetch(healthUrl).then((r) => r.status, () => undefined);
  await until('the worker to say it waits', 20_000, async () => (out.includes('the database is unavailable') ? true : undefined));
  const starting = await fetch(healthUrl);
  t.equal(starting.status, 503, 'healthz 503 while it waits');
  t.same(await starting.json(), { status: 'starting' });

  await own.pg.restart();
  await until('healthz 200 once Postgres is up', 30_000, async () => ((await status()) === 200 ? true : undefined));
  t.match(out, /pg-boss started/, 'it started once the database came');

  await own.pg.kill('SIGKILL');
  await until('healthz 503 while Postgres is away', 20_000, async () => ((await status()) === 503 ? true : undefined));
  t.equal(child.exitCode, null, 'the worker process lives through the kill');
  await own.pg.restart();
  await until('healthz 200 again', 30_000, async () => ((await status()) === 200 ? true : undefined));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'and exits 0 on SIGTERM');
});
