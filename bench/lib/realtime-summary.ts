// The summary block bench:realtime ends with: conditions, one line per layout, the ratios to the
// bare ws ceiling, the targets, the connections figure, and where the CPU went.
import type { DelayResult, FanoutResult } from './realtime-phases.ts';
import type { ConnectionsResult } from './realtime-connections.ts';

const TARGET_DELAY_P99_MS = 15;
const TARGET_FANOUT_MS = 100;
const TARGET_CONNECTIONS = 100_000;
const TARGET_BYTES_PER_CONNECTION = 20 * 1024;

const n = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');
const kb = (bytes: number) => `${n(bytes / 1024, 1)} KB`;
const mib = (bytes: number) => `${n(bytes / 2 ** 20, 1)} MiB`;
const verdict = (ok: boolean, by: string) => (ok ? 'MET' : `MISSED (${by})`);
/** "redis-2nodes fan-out" → "redis-2nodes" */
const layoutOf = (label: string) => label.split(' ')[0];
const fanCell = (f: FanoutResult) => `${n(f.last.p50, 1)} / ${n(f.last.max, 1)} ms (${f.rounds.map((r) => n(r.last, 1)).join(', ')})`;

export function printSummary(o: {
  machine: Record<string, string>;
  pgVersion: string;
  redisVersion: string;
  subscribers: number;
  threadCount: number;
  rate: number;
  seconds: number;
  warmup: number;
  rounds: number;
  clientProcs: number;
  /** per layout, what it ran */
  layouts: Record<string, string>;
  addresses: string[];
  clocks: string[];
  delays: DelayResult[];
  fanouts: FanoutResult[];
  connections?: ConnectionsResult & { target: number; limit: number; limitWhy: string; idleSeconds: number };
  wantedConnections: number;
  profiles: string[];
  experiment: Record<string, string>;
  coalesceMs: number;
  pingSeconds: number;
  /** Parley's defaults of the two, from its config */
  defaults: { coalesceMs: number; pingSeconds: number };
  lateMs: number;
}): void {
  const line = (s = '') => process.stdout.write(`${s}\n`);
  const frame = o.delays.find((d) => d.sampleFrame)?.sampleFrame;
  line();
  line(`== bench:realtime summary, ${new Date().toISOString()} ==`);
  line(`machine: ${o.machine.cpus} × ${o.machine.cpuModel}, ${o.machine.memory}, Node ${o.machine.node}, PostgreSQL ${o.pgVersion}${o.redisVersion ? `, Redis ${o.redisVersion}` : ''}; everything shares the ${o.machine.cpus} cores`);
  line(`delay: ${n(o.subscribers)} clients over ${n(o.threadCount)} threads (${n(o.subscribers / o.threadCount, 1)} per thread), ${n(o.rate)} comments/s to random threads ` +
    `for ${o.seconds} s after a ${o.warmup} s warm-up; frames of ${frame ? Buffer.byteLength(frame) : '?'} bytes (one PostCreated)`);
  line(`fan-out: the same ${n(o.subscribers)} clients also subscribed to one hot thread; one comment there, ${o.rounds} rounds` +
    (o.fanouts.some((f) => f.servers > 1) ? `; the *-2nodes / *-2procs layouts split the clients evenly over two server processes (fan-out only, after 2 unrecorded rounds)` : ''));
  line(`realtime: coalescing window ${o.coalesceMs} ms, heartbeat every ${o.pingSeconds} s${Object.keys(o.experiment).length ? ` (EXPERIMENT: ${JSON.stringify(o.experiment)}; Parley's defaults are ${o.defaults.coalesceMs} ms and ${o.defaults.pingSeconds} s)` : ' (the defaults)'}`);
  const ran = new Set([...o.delays, ...o.fanouts].map((x) => layoutOf(x.label)));
  for (const [name, what] of Object.entries(o.layouts)) if (ran.has(name)) line(`layout ${name}: ${what}`);
  line(`load generator: ${o.clientProcs} processes (raw sockets, hand-written upgrade); source addresses: ${o.addresses.join('; ')}`);
  line(`clock offsets of the load-generator processes to this one: ${o.clocks.join('; ')}`);
  line();
  const pad = (s: string, w: number) => s.padEnd(w);
  line(`${pad('', 16)}${pad('delay p50', 11)}${pad('p99', 10)}${pad('max', 10)}${pad('delivered', 20)}${pad('p99 other', 14)}fan-out to the last client: median / max of rounds (each round)`);
  for (const d of o.delays) {
    const f = o.fanouts.find((x) => layoutOf(x.label) === layoutOf(d.label));
    line(`${pad(layoutOf(d.label), 16)}${pad(`${n(d.delay.p50, 2)} ms`, 11)}${pad(`${n(d.delay.p99, 2)} ms`, 10)}${pad(`${n(d.delay.max, 1)} ms`, 10)}` +
      `${pad(`${n(d.delivered)} / ${n(d.expected)}`, 20)}${pad(`${n(d.neither.p99, 2)} ms`, 14)}` +
      (f ? fanCell(f) : '-'));
  }
  for (const f of o.fanouts.filter((x) => !o.delays.some((d) => layoutOf(d.label) === layoutOf(x.label)))) {
    line(`${pad(layoutOf(f.label), 16)}${pad('(fan-out only)', 65)}${fanCell(f)}`);
  }
  line('(p99 other: the deliveries of comments neither held by the coalescing window nor answered during a heartbeat burst)');
  line();
  for (const d of o.delays) {
    const cores = Object.entries(d.cores).map(([k, v]) => `${k} ${n(v, 2)}`).join(', ');
    line(`${d.label}: ${n(d.posted)} comments (${n(d.rate, 1)}/s, ${d.failed} failed, ${d.skipped} skipped), POST p50 ${n(d.post.p50, 1)} ms p99 ${n(d.post.p99, 1)} ms; cores: ${cores}`);
    line(`    delay min ${n(d.delay.min, 2)} ms, p90 ${n(d.delay.p90, 2)} ms; later than ${Object.entries(d.over).map(([ms, share]) => `${ms} ms ${n(share * 100, 2)}%`).join(', ')}; ` +
      `first subscriber per comment p50 ${n(d.firstPerPost.p50, 2)} ms p99 ${n(d.firstPerPost.p99, 2)} ms`);
    line(`    server pings seen by the clients: ${n(d.pings.total)} in ${n(d.pings.clusters)} clusters (the largest ${n(d.pings.largest)} over ${n(d.pings.largestSpanMs, 1)} ms); ` +
      `heartbeat bursts (≥ 1,000 pings at once): ${d.pingBursts.length ? d.pingBursts.map((b) => `${n(b.pings)} pings at ${n(b.at, 1)} s over ${n(b.spanMs)} ms`).join('; ') : 'none'}; ` +
      `${n(d.heldComments)} comments followed another on their thread within the coalescing window; frames with more than one event ${n(d.coalescedFrames)}`);
    line(`    deliveries later than ${o.lateMs} ms: ${n(d.late.total)} (${n((d.late.total / Math.max(1, d.delivered)) * 100, 2)}%): held by the coalescing window ${n(d.late.coalescing)}, ` +
      `during a heartbeat burst ${n(d.late.heartbeat)}, neither ${n(d.late.other)}; the deliveries under neither: p50 ${n(d.neither.p50, 2)} ms, p99 ${n(d.neither.p99, 2)} ms`);
  }
  for (const f of o.fanouts) {
    const r = f.rounds;
    const cores: Record<string, number> = {};
    for (const x of r) for (const [k, v] of Object.entries(x.cores)) cores[k] = (cores[k] ?? 0) + v / r.length;
    const servers = Object.keys(r[0]?.lastBy ?? {}).sort();
    const loops = Object.entries(f.sendLoopMs ?? {}).filter(([, ms]) => ms.length);
    line(`${f.label}: median client ${r.map((x) => n(x.p50, 1)).join(' / ')} ms, first ${r.map((x) => n(x.first, 1)).join(' / ')} ms; ` +
      `clients reached ${r.map((x) => n(x.got)).join(' / ')}; every client got the same event in ${r.filter((x) => x.seqs.length === 1).length} of ${r.length} rounds; ` +
      `cores (mean of the rounds, 2xx → the last client): ${Object.entries(cores).map(([k, v]) => `${k} ${n(v, 2)}`).join(', ')}` +
      (servers.length ? `; the last client per server: ${servers.map((s) => `${s} ${r.map((x) => n(x.lastBy?.[s] ?? NaN, 1)).join(' / ')} ms`).join('; ')}` : '') +
      (loops.length ? `; the send loop took ${loops.map(([name, ms]) => `${loops.length > 1 ? `${name} ` : ''}${ms.map((y) => n(y, 1)).join(' / ')} ms`).join('; ')}` : ''));
  }

  const isCeiling = (label: string) => label.startsWith('ceiling');
  const ceilingDelay = o.delays.find((d) => isCeiling(d.label));
  const ceilingFans = o.fanouts.filter((f) => isCeiling(f.label));
  line();
  for (const d of o.delays.filter((x) => x !== ceilingDelay)) {
    line(`${layoutOf(d.label)}: delay p99 ${n(d.delay.p99, 2)} ms, target ≤ ${TARGET_DELAY_P99_MS} ms: ${verdict(d.delay.p99 <= TARGET_DELAY_P99_MS, `${n(d.delay.p99 / TARGET_DELAY_P99_MS, 2)}× the target`)}` +
      (ceilingDelay ? `; Parley/ceiling p50 ${n(d.delay.p50 / ceilingDelay.delay.p50, 1)}×, p99 ${n(d.delay.p99 / ceilingDelay.delay.p99, 1)}×, ` +
        `p99 other ${n(d.neither.p99 / ceilingDelay.delay.p99, 1)}×` : ''));
  }
  for (const f of o.fanouts.filter((x) => !isCeiling(x.label))) {
    const ratios = ceilingFans.map((c) => `Parley/${layoutOf(c.label)} ${n(f.last.p50 / c.last.p50, 2)}× (its median ${n(c.last.p50, 1)} ms)`);
    line(`${layoutOf(f.label)}: fan-out to ${n(f.subscribers)} over ${f.servers} process${f.servers > 1 ? 'es' : ''}, median ${n(f.last.p50, 1)} ms (max ${n(f.last.max, 1)} ms), target ≤ ${TARGET_FANOUT_MS} ms: ` +
      `${verdict(f.last.p50 <= TARGET_FANOUT_MS, `${n(f.last.p50 / TARGET_FANOUT_MS, 2)}× the target`)}${ratios.length ? `; ${ratios.join(', ')}` : ''}`);
  }
  for (const c of ceilingFans) line(`${layoutOf(c.label)}: fan-out to ${n(c.subscribers)} over ${c.servers} process${c.servers > 1 ? 'es' : ''}, median ${n(c.last.p50, 1)} ms (max ${n(c.last.max, 1)} ms)`);

  const c = o.connections;
  if (c) {
    line();
    const last = c.steps[c.steps.length - 1];
    line(`connections: one standalone realtime process (NOTIFY bus, PARLEY_REALTIME_IDLE_SECONDS=${n(c.idleSeconds)}), ${c.clientProcesses} client processes from ${c.localAddresses.join(', ')}`);
    line(`connections: open-files limit ${n(c.limit)} (${c.limitWhy}); asked for ${n(o.wantedConnections)}, measured up to ${n(c.target)}`);
    line(`connections: RSS with no clients ${mib(c.baselineRss)}; ${c.steps.map((s) => `${n(s.connections)} → ${mib(s.rss)} (${kb(s.perConnection)}/conn, ${n(s.added / s.seconds)} conn/s)`).join('; ')}`);
    line(`connections: marginal cost ${kb(c.slope)} per connection; ${n(c.failed)} failed, ${n(c.closedEarly)} closed by the server; load generator RSS ${mib(c.clientRss)}`);
    if (c.heartbeat) {
      line(`connections: the node's first heartbeat period with ${n(last.connections)} connections: ${n(c.heartbeat.pings)} pings arrived over ${n(c.heartbeat.spanMs)} ms ` +
        `(a round pings the connections open when it began); GET /healthz every 25 ms meanwhile: p50 ${n(c.heartbeat.healthzP50Ms, 1)} ms, ` +
        `longest ${n(c.heartbeat.healthzMaxMs)} ms (the longest the node's event loop was held)`);
    }
    if (c.subscribed) line(`connections: with one subscription each (${n(c.subscribed.subscriptions)}): RSS ${mib(c.subscribed.rss)}, ${kb(c.subscribed.perConnection)} per connection`);
    const reached = last.connections >= TARGET_CONNECTIONS;
    const perOk = last.perConnection <= TARGET_BYTES_PER_CONNECTION;
    line(`connections: held ${n(last.connections)}, target ${n(TARGET_CONNECTIONS)}: ${verdict(reached, `capped by the open-files limit, ${n(c.limit)}`)}; ` +
      `${kb(last.perConnection)} per connection, target ≤ 20 KB: ${verdict(perOk, `${n(last.perConnection / TARGET_BYTES_PER_CONNECTION, 2)}× the target`)}; ` +
      `at the marginal cost, ${n(TARGET_CONNECTIONS)} connections would take ${mib(c.baselineRss + c.slope * TARGET_CONNECTIONS)}`);
  }
  if (o.profiles.length) {
    line();
    for (const p of o.profiles) line(`profile: ${p}`);
  }
}
