// `pnpm forum:move <slug> --to <shard>`: moves a forum's content to another content shard while it
// takes writes (docs/adr/0009). Prints each step; exit 0 when the forum moved (and its old copy
// went), 1 when the move failed (the forum then stays where it was) or the old copy remains, 2 on
// a usage error or a refusal.
import { loadConfig, openDatabase, type Database } from '@parley/data';
import { moveForum, MoveRefused } from '../moves/forum-move.ts';

const usage = 'usage: pnpm forum:move <forum slug> --to <content shard>';
const args = process.argv.slice(2);
const at = args.indexOf('--to');
const slug = args.find((a, i) => !a.startsWith('--') && i !== at + 1);
const to = at >= 0 ? Number(args[at + 1]) : NaN;
const log = (line: string) => process.stdout.write(`[move] ${line}\n`);

if (!slug || !Number.isInteger(to) || to < 0) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
let db: Database | undefined;
let code = 0;
try {
  db = openDatabase(loadConfig(), { poolSize: 2 });
  const report = await moveForum(db, { slug, to, log });
  if (!report.removed) code = 1;
} catch (err) {
  if (err instanceof MoveRefused) {
    log(`refused: ${err.message}`);
    code = 2;
  } else {
    log(`failed: ${(err as Error).message}`);
    code = 1;
  }
}
await db?.close();
process.exit(code);
