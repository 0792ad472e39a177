// The moderation console's size budget, with fixed sizes: console.js and console.css count, gzip,
// against their own budget (the widget's files do not count), and what the build prints.
import t from 'tap';
import { checkConsoleBudget, CONSOLE_BUDGET_BYTES, consoleReport, type Sizes } from '../budget.ts';

const sizes = (js: number, css: number): Sizes => ({
  'console.js': { raw: js * 3, gzip: js },
  'console.css': { raw: css * 3, gzip: css },
  'parley.js': { raw: 90_000, gzip: 30_000 },
});

t.test('the console budget counts console.js and console.css, gzip, and nothing else', async (t) => {
  t.equal(checkConsoleBudget(sizes(7000, 1000)).consoleGzip, 8000);
  t.equal(checkConsoleBudget(sizes(7000, 1000)).budget, CONSOLE_BUDGET_BYTES);
  t.equal(CONSOLE_BUDGET_BYTES, 16 * 1024, '16 KB');
});

t.test('within up to the last byte, over one byte past it', async (t) => {
  t.equal(checkConsoleBudget(sizes(900, 100), 1000).within, true);
  t.equal(checkConsoleBudget(sizes(901, 100), 1000).within, false, 'the script');
  t.equal(checkConsoleBudget(sizes(900, 101), 1000).within, false, 'the stylesheet');
});

t.test('a build without the console is an error, not a small console', async (t) => {
  t.throws(() => checkConsoleBudget({ 'console.js': { raw: 10, gzip: 5 } }), /no size for console\.css/);
});

t.test('the line the build prints', async (t) => {
  t.equal(consoleReport(checkConsoleBudget(sizes(7000, 1192))), 'console (console.js + console.css): 8192 B gzip (8.0 KB), budget 16384 B (16.0 KB): within');
  t.match(consoleReport(checkConsoleBudget(sizes(7000, 1192), 8191)), /: OVER$/);
});
