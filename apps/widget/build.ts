// Builds the widget into dist/: parley.js (the thread), count.js (listing-page counts) and
// parley.css, minified, for browsers from 2020 on. Measures the gzip size of what a page with the
// widget downloads (parley.js + parley.css) against the budget. `node apps/widget/build.ts` prints
// the sizes and exits 1 over budget; `npm start` and the tests call buildWidget().
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WIDGET_DIR = dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = join(WIDGET_DIR, 'dist');
/** gzip bytes of parley.js + parley.css together */
export const BUDGET_BYTES = 25 * 1024;
/** the files the API serves under /widget/ */
export const ASSETS = ['parley.js', 'parley.css', 'count.js'] as const;

export interface WidgetBuild {
  dir: string;
  /** raw and gzip bytes per file */
  sizes: Record<string, { raw: number; gzip: number }>;
  /** gzip bytes of parley.js + parley.css */
  widgetGzip: number;
}

export async function buildWidget(outdir = DIST_DIR): Promise<WidgetBuild> {
  await build({
    entryPoints: { parley: join(WIDGET_DIR, 'src/embed.ts'), count: join(WIDGET_DIR, 'src/count.ts') },
    outdir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({ entryPoints: { parley: join(WIDGET_DIR, 'src/parley.css') }, outdir, bundle: true, minify: true, logLevel: 'warning' });
  const sizes: WidgetBuild['sizes'] = {};
  for (const f of ASSETS) {
    const bytes = readFileSync(join(outdir, f));
    sizes[f] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  return { dir: outdir, sizes, widgetGzip: sizes['parley.js'].gzip + sizes['parley.css'].gzip };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const b = await buildWidget();
  for (const [f, s] of Object.entries(b.sizes)) console.log(`${f.padEnd(12)} ${String(s.raw).padStart(7)} B  ${String(s.gzip).padStart(6)} B gzip`);
  const ok = b.widgetGzip <= BUDGET_BYTES;
  console.log(`widget (parley.js + parley.css): ${(b.widgetGzip / 1024).toFixed(1)} KB gzip, budget ${BUDGET_BYTES / 1024} KB: ${ok ? 'within' : 'OVER'}`);
  process.exit(ok ? 0 : 1);
}
