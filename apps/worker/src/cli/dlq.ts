// `pnpm dlq list | show <job id> | replay <job id>|--all`: the worker's dead-letter queues.
// On every database of the topology that holds events (each has its own pg-boss schema), or on
// DATABASE_URL (`pnpm dlq` supplies the embedded Postgres's when it is unset).
import { PgBoss } from 'pg-boss';
import { loadConfig, openDatabase } from '@parley/data';
import { listDead, replayDead } from '../dead-letters.ts';

const [cmd, arg] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);
const usage = 'usage: pnpm dlq list | show <job id> | replay <job id> | replay --all';

const bosses: { name: string; boss: PgBoss }[] = [];
let code = 0;
try {
  // pg-boss lives where the worker runs it: one schema per database that holds events (ADR 0008),
  // each with its dead-letter queues; one database for everything has one
  const db = openDatabase(loadConfig(), { poolSize: 1 });
  for (const source of db.eventSources()) {
    const boss = new PgBoss({ connectionString: source.url, supervise: false, schedule: false, migrate: false, max: 2 });
    boss.on('error', (err: Error) => process.stderr.write(`[dlq] ${err.message}
`));
    bosses.push({ name: db.alias({ ...source.route, mode: 'write' }), boss });
    await boss.start();
  }
  await db.close();
  const label = (name: string) => (bosses.length > 1 ? `${name}  ` : '');
  const everyDead = async (limit: number) =>
    (await Promise.all(bosses.map(async ({ name, boss }) => (await listDead(boss, limit)).map((d) => ({ ...d, name, boss }))))).flat();
  if (cmd === 'list') {
    const dead = await everyDead(100);
    if (dead.length === 0) out('no dead-lettered jobs');
    for (const d of dead) {
      const events = (d.data as { events?: { id: string; type: string }[] })?.events;
      const what = events ? `events ${events.map((e) => `${e.id} ${e.type}`).join(', ')}` : JSON.stringify(d.data).slice(0, 100);
      const why = (d.data as { error?: string })?.error ?? JSON.stringify(d.output ?? '').slice(0, 120);
      out(`${label(d.name)}${d.id}  ${d.queue}  ${d.createdOn.toISOString()}  ${what}  ${why}`);
    }
  } else if (cmd === 'show' && arg) {
    const job = (await everyDead(100000)).find((d) => d.id === arg);
    if (!job) {
      out(`no dead-lettered job ${arg}`);
      code = 1;
    } else out(JSON.stringify({ ...job, boss: undefined, name: undefined, database: job.name }, null, 2));
  } else if (cmd === 'replay' && arg) {
    const ids = arg === '--all' ? (await everyDead(100000)).map((d) => d.id) : [arg];
    for (const id of ids) {
      let r: Awaited<ReturnType<typeof replayDead>>;
      for (const { boss } of bosses) if (!r) r = await replayDead(boss, id);
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
await Promise.all(bosses.map(({ boss }) => boss.stop({ graceful: false, close: true }).catch(() => {})));
process.exit(code);
