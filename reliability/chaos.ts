// `pnpm chaos [--seconds 150] [--no-redis] [--rate 40] [--down-ms 1000] [--settle-ms 5000]`
// Kills each process of a running stack in turn under write load and checks that nothing was lost
// (reliability/lib/chaos-run.ts says what is checked). Prints progress lines, then one summary
// line and the details under it; exits 1 when any check failed or a process died on its own.
import { defaultChaosOptions, detailLines, runChaos, summaryLine } from './lib/chaos-run.ts';
import { parseFlags } from './lib/flags.ts';

const USAGE = `usage: pnpm chaos [--seconds N] [--no-redis] [--rate N] [--writers N] [--down-ms N] [--settle-ms N] [--drain-seconds N]
  --seconds        time for the kill rounds (default ${defaultChaosOptions.seconds}; at least one round of one kill per process runs)
  --no-redis       no Redis: the realtime fast path is Postgres NOTIFY, and there is one process fewer to kill
  --rate           comment attempts per second (default ${defaultChaosOptions.rate})
  --down-ms        how long a killed process stays down (default ${defaultChaosOptions.downMs})
  --settle-ms      load between kills once the stack is healthy (default ${defaultChaosOptions.settleMs})
  --drain-seconds  how long the counters may take to settle after the load (default ${defaultChaosOptions.drainSeconds})`;

const flags = parseFlags(process.argv.slice(2), { seconds: 'number', redis: 'bool', rate: 'number', writers: 'number', 'down-ms': 'number', 'settle-ms': 'number', 'drain-seconds': 'number' }, USAGE);
const log = (line: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

let code = 1;
try {
  const result = await runChaos({
    ...defaultChaosOptions,
    seconds: (flags.seconds as number | undefined) ?? defaultChaosOptions.seconds,
    redis: (flags.redis as boolean | undefined) ?? defaultChaosOptions.redis,
    rate: (flags.rate as number | undefined) ?? defaultChaosOptions.rate,
    writers: (flags.writers as number | undefined) ?? defaultChaosOptions.writers,
    downMs: (flags['down-ms'] as number | undefined) ?? defaultChaosOptions.downMs,
    settleMs: (flags['settle-ms'] as number | undefined) ?? defaultChaosOptions.settleMs,
    drainSeconds: (flags['drain-seconds'] as number | undefined) ?? defaultChaosOptions.drainSeconds,
    log,
  });
  for (const l of detailLines(result)) log(l);
  process.stdout.write(`${summaryLine(result)}\n`);
  process.stdout.write(`chaos verdict: ${result.ok ? 'PASS' : 'FAIL'}\n`);
  code = result.ok ? 0 : 1;
} catch (err) {
  log(`failed: ${(err as Error).stack ?? err}`);
}
process.exit(code);
