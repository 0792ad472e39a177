// `pnpm soak [--minutes 30] [--sample-seconds 60] [--warmup-minutes M] [--no-redis] [rates]`
// The stack (real processes, as for chaos) under a steady mixed load: comment writes, reads,
// votes, realtime subscribers that come and go. Every sample interval it records the memory and
// event-loop delay of every process (reliability/lib/probe.ts, sampler.ts) and prints a line;
// at the end a table, the checks of the data (nothing acknowledged lost, counters equal after the
// drain, no process died) and a verdict: RSS flat within 10 % after warm-up for the API, worker
// and realtime node, and the API's event-loop delay p99 ≤ 20 ms.
import { parseFlags } from './lib/flags.ts';
import { startStack } from './lib/stack.ts';
import { createFixture } from './lib/fixtures.ts';
import { CommentLedger, startWriters } from './lib/writers.ts';
import { startChurn, startReaders, startVoters, type LoadCounts } from './lib/mixed-load.ts';
import { sampleStack, type SampleRow } from './lib/sampler.ts';
import { figures, table, verdict } from './lib/soak-report.ts';
import { checkPresence, drainCounters } from './lib/verify.ts';
import { sleep } from './lib/http.ts';

const USAGE = `usage: pnpm soak [--minutes N] [--sample-seconds N] [--warmup-minutes N] [--no-redis]
                 [--write-rate N] [--read-rate N] [--vote-rate N] [--subscribers N]
  --minutes         duration of the load (default 30)
  --sample-seconds  time between samples (default 60)
  --warmup-minutes  samples before this are warm-up (default: a sixth of the run)
  --no-redis        the realtime fast path over Postgres NOTIFY instead of Redis
  rates per second: writes (default 10), reads (default 40), votes (default 10); subscribers at a time (default 20)`;

const f = parseFlags(process.argv.slice(2), {
  minutes: 'number', 'sample-seconds': 'number', 'warmup-minutes': 'number', redis: 'bool',
  'write-rate': 'number', 'read-rate': 'number', 'vote-rate': 'number', subscribers: 'number',
}, USAGE);
const minutes = (f.minutes as number | undefined) ?? 30;
const sampleS = (f['sample-seconds'] as number | undefined) ?? 60;
const warmupS = 60 * ((f['warmup-minutes'] as number | undefined) ?? minutes / 6);
const log = (line: string) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const mb = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1048576).toFixed(1)} MB`);
const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
const failures = (c: LoadCounts) => [...c.failed.values()].reduce((a, b) => a + b, 0);

let code = 1;
// --expose-gc only lets the probe collect garbage when asked: at the warm-up mark and at the last
// sample, for the live heap (what a leak grows), outside the event-loop figures.
const stack = await startStack({ redis: (f.redis as boolean | undefined) ?? true, log, exposeGc: true });
try {
  const fixture = await createFixture(stack.apiUrl, stack.adminToken, { forums: 2, threadsPerForum: 5, label: 'soak' });
  const threadIds = fixture.threads.map((t) => t.id);
  const ledger = new CommentLedger();
  log(`load for ${minutes} min: ${(f['write-rate'] as number) ?? 10} writes/s, ${(f['read-rate'] as number) ?? 40} reads/s, ${(f['vote-rate'] as number) ?? 10} votes/s, ${(f.subscribers as number) ?? 20} subscribers; a sample every ${sampleS} s, warm-up ${clock(warmupS)}`);
  const writers = startWriters({ apiUrl: stack.apiUrl, threadIds, ledger, rate: (f['write-rate'] as number | undefined) ?? 10, writers: 2, replyShare: 0.3, label: 'soak' });
  const readers = startReaders(stack.apiUrl, fixture, (f['read-rate'] as number | undefined) ?? 40);
  const voters = startVoters(stack.apiUrl, ledger, (f['vote-rate'] as number | undefined) ?? 10);
  const churn = startChurn(stack.realtimeUrl, stack.apiUrl, fixture, (f.subscribers as number | undefined) ?? 20, 5000, 40_000);

  const began = Date.now();
  const rows: SampleRow[] = [];
  let marked = false;
  for (let next = 0; ; next += sampleS) {
    await sleep(Math.max(0, began + next * 1000 - Date.now()));
    const t = (Date.now() - began) / 1000;
    const mark: boolean = !marked && t >= warmupS;
    const lastSample = next + sampleS > minutes * 60;
    const row = await sampleStack(stack, t, mark, mark || lastSample);
    marked ||= mark;
    rows.push(row);
    const procs = Object.entries(row.procs).map(([name, p]) => `${name} ${mb(p?.memory)}${p?.heap !== undefined ? ` (heap ${mb(p.heap)} of ${mb(p.heapTotal)}, external ${mb(p.external)})` : ''}${p?.p99 !== undefined ? ` p99 ${p.p99.toFixed(1)} ms` : ''}`).join(' | ');
    log(`${clock(t)}${mark ? ' (warm-up over)' : ''} | ${procs} | writes ${ledger.counts.acked} acked, ${ledger.counts.refused + ledger.counts.unknown + ledger.counts.rejected} not; reads ${readers.counts.ok} (${failures(readers.counts)} failed); votes ${voters.counts.ok} (${failures(voters.counts)} failed); subscribers ${churn.live()} live, ${churn.stats.opened} opened`);
    if (lastSample) break;
  }

  await Promise.all([writers.stop(), readers.stop(), voters.stop(), churn.stop()]);
  log('load stopped; draining the worker and checking the data');
  const healthy = await stack.waitHealthy(30_000);
  const counters = await drainCounters(stack.databaseUrl, fixture.forums.map((x) => x.id), 60_000);
  const presence = await checkPresence(stack.databaseUrl, ledger, threadIds);

  const fs = figures(rows, warmupS, ['api', 'worker', 'realtime', 'postgres', 'redis']);
  process.stdout.write(`\nsoak: ${clock((Date.now() - began) / 1000)} of load, ${rows.length} samples every ${sampleS} s, warm-up ${clock(warmupS)}; memory is RSS (Postgres: PSS of all its processes); 'after warm-up' and 'end' are medians of the first and last third of the samples after warm-up, growth between them; loop p99 over everything after warm-up\n`);
  for (const l of table(fs)) process.stdout.write(`${l}\n`);
  const live = stack.nodeServices.map((s) => {
    const at = rows.filter((r) => r.procs[s.name]?.liveHeap !== undefined).map((r) => r.procs[s.name]!.liveHeap!);
    return at.length >= 2 ? `${s.name} ${mb(at[0])} → ${mb(at[at.length - 1])} (${(((at[at.length - 1] - at[0]) / at[0]) * 100).toFixed(1)} %)` : `${s.name} -`;
  });
  process.stdout.write(`live heap after a full GC, at the warm-up mark → at the end: ${live.join(', ')}\n`);
  const problems: string[] = [];
  for (const d of stack.deaths()) problems.push(`${d.service} died on its own at ${clock(d.at / 1000)} (${d.exit}): ${d.error}`);
  if (!healthy) problems.push('the stack was not healthy at the end');
  if (presence.lost) problems.push(`${presence.lost} acknowledged comments lost`);
  if (counters.state + counters.log) problems.push(`${counters.state + counters.log} counters differ after the drain: ${counters.samples.join('; ')}`);
  if (churn.stats.outOfOrder + churn.stats.duplicates) problems.push(`subscribers saw ${churn.stats.outOfOrder} events out of order and ${churn.stats.duplicates} twice`);
  const failedDetail = (c: LoadCounts) => [...c.failed].map(([k, v]) => `${v} × ${k}`).join(', ') || 'none';
  process.stdout.write(
    `checks: acknowledged ${presence.acknowledged}, found ${presence.found}, lost ${presence.lost}; counters differing ${counters.state + counters.log}; ` +
      `deaths ${stack.deaths().length}; reads ${readers.counts.ok} ok, failed: ${failedDetail(readers.counts)}; votes ${voters.counts.ok} ok, failed: ${failedDetail(voters.counts)}; ` +
      `writes not acknowledged ${ledger.counts.refused + ledger.counts.unknown + ledger.counts.rejected}; subscribers ${churn.stats.opened} opened, ${churn.stats.seen} events, out-of-order ${churn.stats.outOfOrder}, resets ${churn.stats.resets}\n`,
  );
  const v = verdict(fs, problems);
  process.stdout.write(`${v.line}\n`);
  code = v.ok ? 0 : 1;
} catch (err) {
  log(`failed: ${(err as Error).stack ?? err}`);
} finally {
  await stack.stop().catch((err: Error) => log(`stopping the stack: ${err.message}`));
}
process.exit(code);
