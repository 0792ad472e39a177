// The widget's size budget, stated once: the gzip bytes a page downloads for the widget (parley.js
// and parley.css; count.js is for listing pages) stay within BUDGET_BYTES. build.ts measures the
// files and applies it; pure, so test/budget.unit.test.ts pins the rule itself.

/** gzip bytes of parley.js + parley.css together */
export const BUDGET_BYTES = 25 * 1024;
/** raw and gzip bytes per built file */
export type Sizes = Record<string, { raw: number; gzip: number }>;

export interface Budget {
  /** gzip bytes of parley.js + parley.css */
  widgetGzip: number;
  budget: number;
  within: boolean;
}

/** parley.js + parley.css gzip against the budget; a build that lacks either is an error, not a pass. */
export function checkBudget(sizes: Sizes, budget = BUDGET_BYTES): Budget {
  const widgetGzip = gzipOf(sizes, 'widget', ['parley.js', 'parley.css']);
  return { widgetGzip, budget, within: widgetGzip <= budget };
}

/** The gzip bytes of these files together; a build that lacks one is an error. */
function gzipOf(sizes: Sizes, what: string, files: readonly string[]): number {
  const missing = files.filter((f) => !sizes[f]);
  if (missing.length) throw new Error(`${what} build: no size for ${missing.join(', ')}`);
  return files.reduce((n, f) => n + sizes[f].gzip, 0);
}

/** What `node apps/widget/build.ts` prints: each file's size, then the budget line. */
export function sizeReport(sizes: Sizes, b: Budget): string[] {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return [
    ...Object.entries(sizes).map(([f, s]) => `${f.padEnd(12)} ${String(s.raw).padStart(7)} B  ${String(s.gzip).padStart(6)} B gzip`),
    `widget (parley.js + parley.css): ${b.widgetGzip} B gzip (${kb(b.widgetGzip)}), budget ${b.budget} B (${kb(b.budget)}): ${b.within ? 'within' : 'OVER'}`,
  ];
}

/** gzip bytes of the moderation console (console.js + console.css), which the API serves at /moderate */
export const CONSOLE_BUDGET_BYTES = 16 * 1024;

export interface ConsoleBudget {
  /** gzip bytes of console.js + console.css */
  consoleGzip: number;
  budget: number;
  within: boolean;
}

/** console.js + console.css gzip against the console's budget; a build that lacks either is an error. */
export function checkConsoleBudget(sizes: Sizes, budget = CONSOLE_BUDGET_BYTES): ConsoleBudget {
  const consoleGzip = gzipOf(sizes, 'console', ['console.js', 'console.css']);
  return { consoleGzip, budget, within: consoleGzip <= budget };
}

/** The console's budget line that `node apps/widget/build.ts` prints after the widget's. */
export const consoleReport = (b: ConsoleBudget): string =>
  `console (console.js + console.css): ${b.consoleGzip} B gzip (${(b.consoleGzip / 1024).toFixed(1)} KB), budget ${b.budget} B (${(b.budget / 1024).toFixed(1)} KB): ${b.within ? 'within' : 'OVER'}`;
