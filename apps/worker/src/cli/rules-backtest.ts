// `pnpm rules:backtest --forum <slug> --rules <file.json> [--bans <file.json>] [--max <comments>] [--json]`: what a
// proposed rule set (a JSON file of moderation settings, merged over the forum's own) would have
// done to the forum's past comments, against what happened to them. Progress goes to stderr; the
// result to stdout, as a table (or JSON with --json). Ctrl-C cancels. Exit 0 when it ran, 1 when it
// failed, 2 on a usage error or a refusal (bad rules, unknown forum, a backtest of it running),
// 130 when cancelled.
import { readFile } from 'node:fs/promises';
import { backtestBans, backtestRules, BacktestCancelled, ForumCache, loadConfig, lockBacktest, openDatabase, runBacktest, type Database } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { formatReport } from '../backtest/report.ts';

const usage = 'usage: pnpm rules:backtest --forum <forum slug> --rules <rules.json> [--bans <bans.json>] [--max <comments>] [--json]';
const args = process.argv.slice(2);
const value = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const log = (line: string) => process.stderr.write(`[backtest] ${line}\n`);
const slug = value('--forum');
const rulesFile = value('--rules');
const max = value('--max');

if (!slug || !rulesFile || (max !== undefined && !/^[1-9][0-9]*$/.test(max))) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
async function readJson(file: string, code: 'invalid_settings' | 'invalid_field'): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ParleyError(code, { message: `${file}: ${(err as Error).message}` });
  }
}

const cancel = new AbortController();
process.on('SIGINT', () => {
  log('cancelling…');
  cancel.abort();
});
let db: Database | undefined;
let release: (() => Promise<void>) | undefined;
let code = 0;
try {
  const rules = await readJson(rulesFile, 'invalid_settings');
  const bansFile = value('--bans');
  const bans = backtestBans(bansFile === undefined ? undefined : await readJson(bansFile, 'invalid_field'));
  const config = loadConfig();
  db = openDatabase(config, { poolSize: 4 });
  const forum = await new ForumCache(db).bySlug(slug, { fresh: true });
  if (!forum) throw new ParleyError('forum_not_found', { message: `no forum ${slug}` });
  const settings = backtestRules(forum.settings.moderation, rules);
  release = await lockBacktest(db, forum.id);
  let shown = 0;
  const result = await runBacktest(db, {
    forum,
    settings,
    bans,
    maxComments: max === undefined ? config.backtestMaxComments : Number(max),
    pageSize: config.backtestPageSize,
    signal: cancel.signal,
    // the first page at once (it shows the run started), then a line a second at most
    onProgress: (p) => {
      if (shown && p.elapsedMs - shown < 1000) return;
      shown = Math.max(p.elapsedMs, 1);
      log(`${p.comments} comments judged, ${p.events} events read, ${p.perSecond}/s`);
    },
  });
  log(`done: ${result.comments} comments in ${result.elapsedMs} ms (${result.perSecond}/s)`);
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
} catch (err) {
  if (err instanceof BacktestCancelled) {
    log(`cancelled after ${err.comments} comments`);
    code = 130;
  } else if (err instanceof ParleyError && err.status < 500) {
    log(`refused (${err.code}): ${err.message}`);
    code = 2;
  } else {
    log(`failed: ${(err as Error).message}`);
    code = 1;
  }
}
await release?.();
await db?.close();
process.exit(code);
