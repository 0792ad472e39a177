// The size budget: the widget a page downloads (parley.js + parley.css) stays within BUDGET_BYTES
// gzip. Builds into a temp dir (esbuild, no network, well under a second) and prints every file's
// size, so a run's log shows how close to the budget it is.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASSETS, BUDGET_BYTES, buildWidget } from '../build.ts';

const dir = await mkdtemp(join(tmpdir(), 'parley-widget-size-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const build = await buildWidget(dir);

for (const [file, s] of Object.entries(build.sizes)) t.comment(`${file.padEnd(12)} ${String(s.raw).padStart(7)} B  ${String(s.gzip).padStart(6)} B gzip`);
t.comment(`widget (parley.js + parley.css): ${(build.widgetGzip / 1024).toFixed(1)} KB gzip of ${BUDGET_BYTES / 1024} KB`);

t.same(Object.keys(build.sizes).sort(), [...ASSETS].sort(), 'every served file is built');
for (const file of ASSETS) t.ok(build.sizes[file].raw > 0, `${file} is not empty`);
t.equal(build.widgetGzip, build.sizes['parley.js'].gzip + build.sizes['parley.css'].gzip, 'the budget counts the script and its stylesheet');
t.ok(build.widgetGzip <= BUDGET_BYTES, `within budget: ${build.widgetGzip} B <= ${BUDGET_BYTES} B gzip`);
