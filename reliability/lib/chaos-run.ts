// One chaos run (reliability/chaos.ts prints it; reliability/test/chaos.e2e.test.ts asserts it):
// the stack under paced comment writes with a realtime subscriber on every thread, SIGKILL in
// turn to the API, the worker, the realtime node, Postgres and Redis, each restarted; then the
// load stops and the checks run. A process that dies when it was not the one killed is a death:
// counted, reported with its error text, and restarted.
import { startStack, type Death, type ServiceName, type Stack } from './stack.ts';
import { createFixture } from './fixtures.ts';
import { CommentLedger, startWriters } from './writers.ts';
import { Subscriber } from './subscriber.ts';
import { checkLogs, checkPresence, drainCounters, type CounterCheck, type LogCheck, type Presence } from './verify.ts';
import { sleep } from './http.ts';

export interface ChaosOptions {
  /** how long the kill rounds may take; at least one round runs */
  seconds: number;
  redis: boolean;
  /** how long a killed process stays down before it is restarted */
  downMs: number;
  /** load between two kills, once the stack is healthy again */
  settleMs: number;
  /** comment attempts per second */
  rate: number;
  writers: number;
  forums: number;
  threadsPerForum: number;
  drainSeconds: number;
  log: (line: string) => void;
}

export const defaultChaosOptions: Omit<ChaosOptions, 'log'> = {
  seconds: 150,
  redis: true,
  downMs: 1000,
  settleMs: 5000,
  rate: 40,
  writers: 4,
  forums: 2,
  threadsPerForum: 3,
  drainSeconds: 60,
};

export interface DeathReport extends Death {
  /** the deliberate kill most recently done before it */
  afterKillOf?: ServiceName;
}

export interface ChaosResult {
  presence: Presence;
  logs: LogCheck;
  gaps: number;
  subscriber: { seen: number; refetched: number; expected: number; missing: number; outOfOrder: number; duplicates: number; resumes: number; resets: number; typeMismatches: number; errors: Record<string, number> };
  counters: CounterCheck & { ms: number };
  kills: Record<string, number>;
  startFailures: Record<string, number>;
  deaths: DeathReport[];
  /** restarts after which the stack was not healthy within 30 s */
  unhealthy: string[];
  reasons: Record<string, number>;
  seconds: number;
  ok: boolean;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const began = Date.now();
  const elapsed = () => ((Date.now() - began) / 1000).toFixed(0);
  const stack = await startStack({ redis: o.redis, log: o.log });
  const lastKill: { name?: ServiceName } = {};
  const deaths: DeathReport[] = [];
  let subscriber: Subscriber | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    const fixture = await createFixture(stack.apiUrl, stack.adminToken, { forums: o.forums, threadsPerForum: o.threadsPerForum, label: 'chaos' });
    const threadIds = fixture.threads.map((t) => t.id);
    const ledger = new CommentLedger();
    subscriber = new Subscriber({ url: stack.realtimeUrl, apiUrl: stack.apiUrl, threads: threadIds.map((id) => ({ id, after: 0 })), keepTypes: true, log: o.log });
    const writers = startWriters({ apiUrl: stack.apiUrl, threadIds, ledger, rate: o.rate, writers: o.writers, replyShare: 0.25, label: 'chaos' });
    const sub = subscriber;
    const line = () => {
      const kills = stack.services.map((s) => `${s.name} ${s.kills}`).join(' ');
      const d = stack.deaths();
      return `${elapsed()} s: acked ${ledger.counts.acked}, unknown ${ledger.counts.unknown}, refused ${ledger.counts.refused}, rejected ${ledger.counts.rejected}; subscriber ${sub.stats.seen} events, ${sub.stats.resumes} resumes, ${sub.stats.outOfOrder} out of order; kills ${kills}; deaths not ours ${d.length}`;
    };
    progress = setInterval(() => o.log(line()), 5000);
    const watch = setInterval(() => {
      for (const d of stack.deaths().slice(deaths.length)) deaths.push({ ...d, afterKillOf: lastKill.name });
    }, 100);

    await sleep(Math.min(5000, o.settleMs));
    // the issue's order: the tiers first, then what they depend on
    const order: ServiceName[] = ['api', 'worker', 'realtime', 'postgres', 'redis'];
    const targets = order.filter((n) => stack.service(n));
    const unhealthy: string[] = [];
    const budgetEnd = began + o.seconds * 1000;
    let round = 0;
    let roundMs = 0;
    do {
      round++;
      const roundBegan = Date.now();
      for (const name of targets) {
        const svc = stack.service(name)!;
        lastKill.name = name;
        o.log(`round ${round}: SIGKILL ${name} (pid ${svc.pid()})`);
        const t0 = Date.now();
        await svc.killAndRestart(o.downMs);
        const ok = await stack.waitHealthy(30_000);
        o.log(`round ${round}: ${name} restarted, stack ${ok ? 'healthy' : 'NOT healthy'} ${((Date.now() - t0) / 1000).toFixed(1)} s after the kill`);
        if (!ok) unhealthy.push(`${name} (round ${round})`);
        await sleep(o.settleMs);
      }
      roundMs = Date.now() - roundBegan;
    } while (Date.now() + roundMs < budgetEnd);

    o.log(`${elapsed()} s: kills done; stopping the load`);
    await writers.stop();
    if (!(await stack.waitHealthy(30_000))) unhealthy.push('at the end');
    clearInterval(progress);
    o.log(line());

    // the subscriber catches up with the log, then every check
    const threads = fixture.threads.map((t) => t.id);
    let logs = await checkLogs(stack.databaseUrl, stack.apiUrl, threads);
    const catchUp = Date.now() + 30_000;
    while (sub.behind(logs.heads).length && Date.now() < catchUp) await sleep(200);
    const presence = await checkPresence(stack.databaseUrl, ledger, threads);
    const counters = await drainCounters(stack.databaseUrl, fixture.forums.map((f) => f.id), o.drainSeconds * 1000);
    logs = await checkLogs(stack.databaseUrl, stack.apiUrl, threads);
    clearInterval(watch);
    for (const d of stack.deaths().slice(deaths.length)) deaths.push({ ...d, afterKillOf: lastKill.name });

    let expected = 0;
    let missing = 0;
    let typeMismatches = 0;
    for (const id of threads) {
      const head = logs.heads.get(id) ?? 0;
      expected += head;
      missing += Math.max(0, head - (sub.last.get(id) ?? 0));
      const want = logs.types.get(id) ?? [];
      const got = sub.types.get(id) ?? [];
      for (let s = 1; s <= head; s++) if (got[s] !== undefined && got[s] !== want[s]) typeMismatches++;
    }
    const gaps = logs.sqlGaps + logs.apiGaps;
    const result: ChaosResult = {
      presence,
      logs,
      gaps,
      subscriber: {
        seen: sub.stats.seen,
        refetched: sub.stats.refetched,
        expected,
        missing,
        outOfOrder: sub.stats.outOfOrder,
        duplicates: sub.stats.duplicates,
        resumes: sub.stats.resumes,
        resets: sub.stats.resets,
        typeMismatches,
        errors: Object.fromEntries(sub.stats.errors),
      },
      counters,
      kills: Object.fromEntries(targets.map((n) => [n, stack.service(n)!.kills])),
      startFailures: Object.fromEntries(stack.services.map((s) => [s.name, s.startFailures])),
      deaths,
      unhealthy,
      reasons: Object.fromEntries(ledger.reasons),
      seconds: (Date.now() - began) / 1000,
      ok: false,
    };
    result.ok =
      presence.lost === 0 && presence.mismatched === 0 && gaps === 0 && missing === 0 && sub.stats.outOfOrder === 0 && sub.stats.duplicates === 0 &&
      typeMismatches === 0 && counters.state === 0 && counters.log === 0 && deaths.length === 0 && unhealthy.length === 0;
    return result;
  } finally {
    clearInterval(progress);
    subscriber?.close();
    await stopQuietly(stack, o.log);
  }
}

async function stopQuietly(stack: Stack, log: (l: string) => void): Promise<void> {
  try {
    await stack.stop();
  } catch (err) {
    log(`stopping the stack: ${(err as Error).message}`);
  }
}

export function summaryLine(r: ChaosResult): string {
  const p = r.presence;
  const s = r.subscriber;
  const byService = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(' ');
  const deathCounts: Record<string, number> = {};
  for (const d of r.deaths) deathCounts[d.service] = (deathCounts[d.service] ?? 0) + 1;
  return (
    `chaos summary: acknowledged ${p.acknowledged}, found ${p.found}, lost ${p.lost}, unknown ${p.unknown} (${p.unknownPresent} present), ` +
    `gaps ${r.gaps}, subscriber events ${s.seen + s.refetched}/${s.expected} (missing ${s.missing}), out-of-order ${s.outOfOrder}, duplicates ${s.duplicates}, ` +
    `resumes ${s.resumes}, resets ${s.resets}, counter mismatches ${r.counters.state + r.counters.log}, ` +
    `kills ${byService(r.kills)}, deaths not ours ${r.deaths.length}${r.deaths.length ? ` (${byService(deathCounts)})` : ''}, time ${r.seconds.toFixed(0)} s`
  );
}

/** The lines under the summary: what each figure hides (deaths with their error, refusals, samples). */
export function detailLines(r: ChaosResult): string[] {
  const out: string[] = [];
  for (const d of r.deaths) {
    out.push(`death: ${d.service} pid ${d.pid} at ${(d.at / 1000).toFixed(1)} s${d.afterKillOf ? ` (after the kill of ${d.afterKillOf})` : ''}, ${d.exit}, ${(d.upMs / 1000).toFixed(1)} s up: ${d.error}`);
  }
  for (const u of r.unhealthy) out.push(`not healthy within 30 s: ${u}`);
  const p = r.presence;
  out.push(`writes: refused ${p.refused} (${p.refusedPresent} present anyway), duplicated messages ${p.duplicated}, mismatched ids ${p.mismatched}`);
  for (const [why, n] of Object.entries(r.reasons)) out.push(`  ${n} × ${why}`);
  if (p.lostSamples.length) out.push(`lost, e.g.: ${p.lostSamples.join('; ')}`);
  out.push(`log: ${r.logs.events} events in ${r.logs.heads.size} threads, gaps in SQL ${r.logs.sqlGaps}, over the API ${r.logs.apiGaps}`);
  out.push(`subscriber: ${r.subscriber.typeMismatches} events differ from the log; error frames ${JSON.stringify(r.subscriber.errors)}`);
  out.push(`counters: state ${r.counters.state}, log ${r.counters.log} (settled after ${(r.counters.ms / 1000).toFixed(1)} s)${r.counters.samples.length ? `: ${r.counters.samples.join('; ')}` : ''}`);
  out.push(`start attempts that failed (a dependency down): ${Object.entries(r.startFailures).map(([k, v]) => `${k} ${v}`).join(' ')}`);
  return out;
}
