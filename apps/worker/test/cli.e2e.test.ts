// The worker's command-line tools as an operator runs them: `pnpm counters:rebuild [--apply]` and
// `pnpm dlq`, child processes through scripts/with-database.ts (what the pnpm scripts run) on the
// configured database (DATABASE_URL).
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testApi } from '../../../test/harness/app.ts';
import { testWorker } from '../../../test/harness/worker.ts';

const cli = (name: string) => fileURLToPath(new URL(`../src/cli/${name}.ts`, import.meta.url));
const withDatabase = fileURLToPath(new URL('../../../scripts/with-database.ts', import.meta.url));

function run(script: string, args: string[], databaseUrl: string | undefined, opts: { direct?: boolean } = {}): Promise<{ code: number | null; out: string }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  if (databaseUrl === undefined) delete env.DATABASE_URL;
  const child = spawn(process.execPath, [...(opts.direct ? [] : [withDatabase]), cli(script), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => void (out += c));
  child.stderr.on('data', (c: Buffer) => void (out += c));
  return new Promise((ok) => child.on('exit', (code) => ok({ code, out })));
}

t.test('counters:rebuild exits 0 when the counters match, 1 when they differ, and --apply fixes them', async (t) => {
  const api = await testApi(t);
  const worker = await testWorker(t, api);
  const { forum } = await api.forum();
  const th = await api.thread(forum.slug);
  const first = await api.post(th.id);
  await api.post(th.id, { parentId: first.post.id });
  await worker.drain();

  const clean = await run('counters-rebuild', [], api.url);
  t.equal(clean.code, 0, clean.out);
  t.match(clean.out, /\[counters\] content\.0: status events read: 2 in \d+ ms/, 'a progress summary per step');
  t.match(clean.out, /\[counters\] 2 events and \d+ counter rows in \d+ ms; 0 counters differ\n/);

  await api.db.exec({ area: 'content', mode: 'write' }, 'UPDATE threads SET pending_count = 4 WHERE id = $1', [th.id]);
  const drifted = await run('counters-rebuild', [], api.url);
  t.equal(drifted.code, 1, 'a difference fails the check');
  t.match(drifted.out, `[counters] thread ${th.id} pending_count: live 4, from the log 0`);
  t.match(drifted.out, /; 1 counters differ\n/);

  const applied = await run('counters-rebuild', ['--apply'], api.url);
  t.equal(applied.code, 0, applied.out);
  t.match(applied.out, /; 1 counters differ \(fixed\)\n/);
  t.equal((await run('counters-rebuild', [], api.url)).code, 0, 'and the check passes again');
});

t.test('a tool run without a database to open says so', async (t) => {
  const r = await run('counters-rebuild', [], undefined, { direct: true });
  t.equal(r.code, 1);
  t.match(r.out, /\[counters\] failed: DATABASE_URL \(or PARLEY_TOPOLOGY\) is not set/);
});

t.test('dlq lists the dead-letter queues and answers usage on a bad command', async (t) => {
  const api = await testApi(t);
  await testWorker(t, api); // creates pg-boss's schema and the queues
  const list = await run('dlq', ['list'], api.url);
  t.same([list.code, list.out], [0, 'no dead-lettered jobs\n']);
  const missing = await run('dlq', ['show', '00000000-0000-0000-0000-000000000000'], api.url);
  t.equal(missing.code, 1);
  t.match(missing.out, /no dead-lettered job/);
  const bad = await run('dlq', ['frobnicate'], api.url);
  t.equal(bad.code, 2);
  t.match(bad.out, /^usage: pnpm dlq/);
});
