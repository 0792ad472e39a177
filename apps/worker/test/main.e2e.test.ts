// The standalone worker process: /healthz answers, SIGTERM exits 0.
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testDatabase } from '../../../test/harness/db.ts';

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
  const res = await fetch(healthUrl);
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
