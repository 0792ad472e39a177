// The build as CI and `pnpm build:widget` run it: `node apps/widget/build.ts <dir>` builds every
// file the API serves and exits 0 only when the widget is within its size budget (the rule itself:
// budget.unit.test.ts). The run's log shows each file's size, so a run shows how close it is.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUDGET_BYTES, CONSOLE_BUDGET_BYTES } from '../budget.ts';
import { ASSETS, CONSOLE_ASSETS } from '../build.ts';

t.test('the build writes every served file and exits 0 within the budget', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-widget-build-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const run = spawnSync(process.execPath, [fileURLToPath(new URL('../build.ts', import.meta.url)), dir], { encoding: 'utf8', timeout: 60_000 });
  for (const line of run.stdout.trim().split('\n')) t.comment(line);
  if (run.stderr) t.comment(run.stderr);

  t.equal(run.status, 0, 'the build exits 0 (it exits 1 over budget)');
  t.same((await readdir(dir)).sort(), [...ASSETS, ...CONSOLE_ASSETS].sort(), 'it writes every file the API serves');
  for (const file of [...ASSETS, ...CONSOLE_ASSETS]) t.ok((await stat(join(dir, file))).size > 0, `${file} is not empty`);

  const verdict = /^widget \(parley\.js \+ parley\.css\): (\d+) B gzip .*, budget (\d+) B .*: (within|OVER)$/m.exec(run.stdout);
  t.ok(verdict, 'it reports the budget');
  t.equal(Number(verdict?.[2]), BUDGET_BYTES, 'against the widget budget');
  t.ok(Number(verdict?.[1]) <= BUDGET_BYTES, `within: ${verdict?.[1]} B <= ${BUDGET_BYTES} B gzip`);
  t.equal(verdict?.[3], 'within', 'and says so');

  const moderation = /^console \(console\.js \+ console\.css\): (\d+) B gzip .*, budget (\d+) B .*: (within|OVER)$/m.exec(run.stdout);
  t.ok(moderation, 'it reports the moderation console\'s budget');
  t.equal(Number(moderation?.[2]), CONSOLE_BUDGET_BYTES, 'against the console budget');
  t.equal(moderation?.[3], 'within', `within: ${moderation?.[1]} B <= ${CONSOLE_BUDGET_BYTES} B gzip`);
});
