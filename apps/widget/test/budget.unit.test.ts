// The size budget rule, with fixed sizes: what counts (the thread's script and stylesheet, gzip),
// what doesn't (count.js, raw bytes), where the line is, and what the build prints.
import t from 'tap';
import { BUDGET_BYTES, checkBudget, sizeReport, type Sizes } from '../budget.ts';

const sizes = (js: number, css: number): Sizes => ({
  'parley.js': { raw: js * 3, gzip: js },
  'parley.css': { raw: css * 3, gzip: css },
  'count.js': { raw: 90_000, gzip: 30_000 },
});

t.test('the budget counts parley.js and parley.css, gzip, and nothing else', async (t) => {
  t.equal(checkBudget(sizes(7000, 1200)).widgetGzip, 8200);
  t.equal(checkBudget(sizes(7000, 1200)).budget, BUDGET_BYTES, 'against the widget budget by default');
  t.equal(BUDGET_BYTES, 25 * 1024, '25 KB');
});

t.test('within up to the last byte, over one byte past it', async (t) => {
  t.equal(checkBudget(sizes(900, 100), 1000).within, true, 'exactly at the budget');
  t.equal(checkBudget(sizes(901, 100), 1000).within, false, 'one byte over (the script)');
  t.equal(checkBudget(sizes(900, 101), 1000).within, false, 'one byte over (the stylesheet)');
  t.equal(checkBudget(sizes(20_000, 5_600)).within, true, `${20_000 + 5_600} B is within the default`);
  t.equal(checkBudget(sizes(20_000, 5_601)).within, false, `${20_000 + 5_601} B is not`);
});

t.test('a build missing a counted file is an error, not a small widget', async (t) => {
  t.throws(() => checkBudget({ 'parley.js': { raw: 10, gzip: 5 } }), /no size for parley\.css/);
  t.throws(() => checkBudget({}), /no size for parley\.js, parley\.css/);
});

t.test('the report lists every file and ends with the verdict', async (t) => {
  const s = sizes(7000, 1200);
  const lines = sizeReport(s, checkBudget(s));
  t.equal(lines.length, 4);
  t.match(lines[0], /^parley\.js\s+21000 B\s+7000 B gzip$/);
  t.match(lines[2], /^count\.js\s+90000 B\s+30000 B gzip$/);
  t.equal(lines[3], 'widget (parley.js + parley.css): 8200 B gzip (8.0 KB), budget 25600 B (25.0 KB): within');
  t.match(sizeReport(s, checkBudget(s, 8199)).at(-1)!, /: OVER$/);
});
