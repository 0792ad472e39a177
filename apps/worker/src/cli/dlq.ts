// `pnpm dlq list | show <job id> | replay <job id>|--all`: the worker's dead-letter queues.
// On DATABASE_URL (`pnpm dlq` supplies the embedded Postgres's when it is unset).
import { PgBoss } from 'pg-boss';
import { loadConfig, openDatabase } from '@parley/data';
import { listDead, replayDead } from '../dead-letters.ts';

const [cmd, arg] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);
const usage = 'usage: pnpm dlq list | show <job id> | replay <job id> | replay --all';

let boss: PgBoss | undefined;
let code = 0;
try {
  // pg-boss lives where the worker runs it: the first content database
  const db = openDatabase(loadConfig(), { poolSize: 1 });
  boss = new PgBoss({ connectionString: db.primaryUrl({ area: 'content', shard: 0 }), supervise: false, schedule: false, migrate: false, max: 2 });
  boss.on('error', (err: Error) => process.stderr.write(`[dlq] ${err.message}\n`));
  await boss.start();
  if (cmd === 'list') {
    const dead = await listDead(boss);
    if (dead.length === 0) out('no dead-lettered jobs');
    for (const d of dead) {
      const events = (d.data as { events?: { id: string; type: string }[] })?.events;
      const what = events ? `events ${events.map((e) => `${e.id} ${e.type}`).join(', ')}` : JSON.stringify(d.data).slice(0, 100);
      const why = (d.data as { error?: string })?.error ?? JSON.stringify(d.output ?? '').slice(0, 120);
      out(`${d.id}  ${d.queue}  ${d.createdOn.toISOString()}  ${what}  ${why}`);
    }
  } else if (cmd === 'show' && arg) {
    const job = (await listDead(boss, 100000)).find((d) => d.id === arg);
    if (!job) {
      out(`no dead-lettered job ${arg}`);
      code = 1;
    } else out(JSON.stringify(job, null, 2));
  } else if (cmd === 'replay' && arg) {
    const ids = arg === '--all' ? (await listDead(boss, 100000)).map((d) => d.id) : [arg];
    for (const id of ids) {
      const r = await replayDead(boss, id);
      if (r) out(`replayed ${id} into ${r.queue} as ${r.newId}`);
      else {
        out(`no dead-lettered job ${id}`);
        code = 1;
      }
    }
  } else {
    out(usage);
    code = 2;
  }
} catch (err) {
  out(`dlq: ${(err as Error).message}`);
  code = 1;
}
await boss?.stop({ graceful: false, close: true }).catch(() => {});
process.exit(code);
