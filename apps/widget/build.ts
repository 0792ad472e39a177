// Builds the widget into dist/: parley.js (the thread), count.js (listing-page counts),
// parley.css, the session frame (session.html, session.js, session.css: src/session/) and the
// moderation console the API serves at /moderate (console.js, console.css: src/console/), minified, for browsers from 2020 on. Measures the gzip size of what a page with the
// widget downloads (parley.js + parley.css) against the budget. `node apps/widget/build.ts [outdir]`
// prints the sizes and exits 1 over budget (test/build.e2e.test.ts runs it); `npm start` and the
// browser tests call buildWidget().
import { build } from 'esbuild';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { checkBudget, checkConsoleBudget, consoleReport, sizeReport, type Budget, type ConsoleBudget, type Sizes } from './budget.ts';

export { BUDGET_BYTES, CONSOLE_BUDGET_BYTES } from './budget.ts';

export const WIDGET_DIR = dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = join(WIDGET_DIR, 'dist');
/** the files the API serves under /widget/ */
export const ASSETS = ['parley.js', 'parley.css', 'count.js', 'session.html', 'session.js', 'session.css'] as const;
/** the moderation console's files, which the API serves under /moderate/ */
export const CONSOLE_ASSETS = ['console.js', 'console.css'] as const;

export interface WidgetBuild {
  dir: string;
  /** raw and gzip bytes per file */
  sizes: Sizes;
  /** gzip bytes of parley.js + parley.css */
  widgetGzip: number;
  budget: Budget;
  /** gzip bytes of console.js + console.css against their own budget */
  console: ConsoleBudget;
}

export async function buildWidget(outdir = DIST_DIR): Promise<WidgetBuild> {
  await build({
    entryPoints: {
      parley: join(WIDGET_DIR, 'src/embed.ts'),
      count: join(WIDGET_DIR, 'src/count.ts'),
      session: join(WIDGET_DIR, 'src/session/frame.ts'),
      console: join(WIDGET_DIR, 'src/console/main.ts'),
    },
    outdir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({
    entryPoints: { parley: join(WIDGET_DIR, 'src/parley.css'), session: join(WIDGET_DIR, 'src/session/session.css'), console: join(WIDGET_DIR, 'src/console/console.css') },
    outdir,
    bundle: true,
    minify: true,
    logLevel: 'warning',
  });
  copyFileSync(join(WIDGET_DIR, 'src/session/session.html'), join(outdir, 'session.html'));
  const sizes: Sizes = {};
  for (const f of [...ASSETS, ...CONSOLE_ASSETS]) {
    const bytes = readFileSync(join(outdir, f));
    sizes[f] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  const budget = checkBudget(sizes);
  return { dir: outdir, sizes, widgetGzip: budget.widgetGzip, budget, console: checkConsoleBudget(sizes) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const b = await buildWidget(process.argv[2] ?? DIST_DIR);
  for (const line of sizeReport(b.sizes, b.budget)) console.log(line);
  console.log(consoleReport(b.console));
  process.exit(b.budget.within && b.console.within ? 0 : 1);
}
