// The connections figure of bench:realtime: how many idle websockets one standalone realtime
// process holds, and its memory per connection: VmRSS from /proc/<pid>/status before any client
// and after each step of clients, (RSS − RSS before) ÷ connections, and the slope between the
// first and the last step (what one more connection costs, without the process's fixed part).
// Then every client subscribes to one thread (over the bench's threads) and RSS is read again:
// a widget's connection holds one subscription.
import { readFileSync } from 'node:fs';
import { ClientFleet } from './realtime-clients.ts';
import { cpuSeconds, openFds, rssBytes } from './cpu.ts';
import type { Proc } from './processes.ts';

export interface ConnectionStep {
  connections: number;
  /** clients this step added */
  added: number;
  rss: number;
  perConnection: number;
  /** seconds the step took to connect, and the realtime process's CPU seconds for it */
  seconds: number;
  cpuSeconds: number;
}

export interface ConnectionsResult {
  baselineRss: number;
  baselineFds: number;
  steps: ConnectionStep[];
  /** bytes per connection between the first and the last step */
  slope: number;
  subscribed?: { subscriptions: number; rss: number; perConnection: number; errors: Record<string, number> };
  /** one heartbeat with every client connected: pings the clients saw, over how long, and the longest GET /healthz meanwhile */
  heartbeat?: { pings: number; spanMs: number; healthzMaxMs: number; healthzP50Ms: number };
  failed: number;
  closedEarly: number;
  localAddresses: string[];
  clientProcesses: number;
  clientRss: number;
}

/**
 * Loopback source addresses enough for `n` clients (the ephemeral port range is per source
 * address), from 127.<block>.0.2 on. A client with a local address binds before it connects, and
 * Linux's bind() to port 0 searches one half of the range first (the other half is kept for
 * connect()), getting slow (~1,000 connections/s here) as that half fills; so each address takes
 * at most a quarter of the range. Each phase takes a block of its own: the clients a phase closed
 * leave TIME_WAIT entries on their ports for 60 s, which slow the next phase's bind() the same way.
 */
export function sourceAddresses(n: number, block: number): string[] {
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const perAddress = Math.floor((hi - lo + 1) / 4);
  return Array.from({ length: Math.max(2, Math.ceil(n / perAddress)) }, (_x, i) => `127.${block}.0.${i + 2}`);
}

async function health(url: string): Promise<{ connections: number; subscriptions: number }> {
  const res = await fetch(url);
  return (await res.json()) as { connections: number; subscriptions: number };
}

async function settledRss(pid: number): Promise<number> {
  // RSS keeps moving for a moment after a burst (GC, allocator); take it once it holds still
  let last = rssBytes(pid);
  for (let i = 0; i < 8; i++) {
    await new Promise((ok) => setTimeout(ok, 1000));
    const now = rssBytes(pid);
    if (Math.abs(now - last) < 1024 * 1024) return now;
    last = now;
  }
  return last;
}

export async function measureConnections(o: {
  node: Proc;
  fleet: ClientFleet;
  target: number;
  steps: number;
  threadIds: string[];
  addressBlock: number;
  /** wait for the node's next heartbeat (due every `pingSeconds` after `startedAt`) and time it */
  heartbeat?: { startedAt: number; pingSeconds: number };
  log: (line: string) => void;
}): Promise<ConnectionsResult> {
  const ws = o.node.url;
  const healthz = new URL('/healthz', ws.replace(/^ws/, 'http')).href;
  const baselineRss = await settledRss(o.node.pid);
  const baselineFds = openFds(o.node.pid);
  const localAddresses = sourceAddresses(o.target, o.addressBlock);
  o.log(`connections: realtime pid ${o.node.pid}, RSS ${(baselineRss / 2 ** 20).toFixed(1)} MiB with no clients, ${baselineFds} descriptors open; ` +
    `clients from ${localAddresses.join(', ')} over ${o.fleet.size} processes`);
  const steps: ConnectionStep[] = [];
  let failed = 0;
  let have = 0;
  for (let s = 1; s <= o.steps; s++) {
    const want = Math.round((o.target * s) / o.steps);
    const cpu0 = cpuSeconds(o.node.pid);
    const t0 = performance.now();
    const r = await o.fleet.connect(ws, want - have, localAddresses);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(o.node.pid) - cpu0;
    failed += r.failed;
    have += r.connected;
    const rss = await settledRss(o.node.pid);
    const held = (await health(healthz)).connections;
    const step = { connections: held, added: r.connected, rss, perConnection: (rss - baselineRss) / held, seconds, cpuSeconds: cpu };
    steps.push(step);
    o.log(`connections: ${held.toLocaleString('en-US')} held (${r.failed} failed) after ${seconds.toFixed(1)} s, ` +
      `${Math.round(r.connected / seconds).toLocaleString('en-US')}/s, realtime CPU ${cpu.toFixed(2)} s; RSS ${(rss / 2 ** 20).toFixed(1)} MiB, ` +
      `${((rss - baselineRss) / held / 1024).toFixed(1)} KB per connection`);
  }
  const a = steps[0];
  const b = steps[steps.length - 1];
  const slope = steps.length > 1 ? (b.rss - a.rss) / (b.connections - a.connections) : b.perConnection;

  let subscribed: ConnectionsResult['subscribed'];
  if (o.threadIds.length) {
    const sub = await o.fleet.subscribe(o.threadIds, 120_000);
    const rss = await settledRss(o.node.pid);
    const h = await health(healthz);
    subscribed = { subscriptions: h.subscriptions, rss, perConnection: (rss - baselineRss) / h.connections, errors: sub.errors };
    o.log(`connections: ${h.subscriptions.toLocaleString('en-US')} subscriptions over ${o.threadIds.length} threads; RSS ${(rss / 2 ** 20).toFixed(1)} MiB, ` +
      `${(subscribed.perConnection / 1024).toFixed(1)} KB per connection${Object.keys(sub.errors).length ? `; errors ${JSON.stringify(sub.errors)}` : ''}`);
  }
  let heartbeat: ConnectionsResult['heartbeat'];
  if (o.heartbeat && o.heartbeat.pingSeconds <= 60) {
    // the node's event loop as a client sees it: GET /healthz every 25 ms across the heartbeat
    await o.fleet.record('delay'); // records the pings' arrival
    // the first heartbeat due once every client is connected (the node pings every period from its start)
    const period = o.heartbeat.pingSeconds * 1000;
    const until = o.heartbeat.startedAt + Math.max(1, Math.ceil((performance.now() - o.heartbeat.startedAt) / period)) * period + 6000;
    o.log(`connections: waiting ${((until - performance.now()) / 1000).toFixed(0)} s for the node's heartbeat, timing GET /healthz meanwhile`);
    const lat: number[] = [];
    while (performance.now() < until) {
      const t = performance.now();
      await health(healthz);
      lat.push(performance.now() - t);
      await new Promise((ok) => setTimeout(ok, 25));
    }
    const { pingAt } = await o.fleet.collectDeliveries();
    await o.fleet.record('off');
    pingAt.sort((x, y) => x - y);
    lat.sort((x, y) => x - y);
    heartbeat = { pings: pingAt.length, spanMs: pingAt.length ? pingAt[pingAt.length - 1] - pingAt[0] : NaN, healthzMaxMs: lat[lat.length - 1], healthzP50Ms: lat[Math.floor(lat.length / 2)] };
    o.log(`connections: heartbeat: ${heartbeat.pings.toLocaleString('en-US')} pings arrived over ${heartbeat.spanMs.toFixed(0)} ms; ` +
      `GET /healthz p50 ${heartbeat.healthzP50Ms.toFixed(1)} ms, max ${heartbeat.healthzMaxMs.toFixed(0)} ms`);
  }
  const stats = await o.fleet.stats();
  return {
    heartbeat,
    baselineRss,
    baselineFds,
    steps,
    slope,
    subscribed,
    failed,
    closedEarly: stats.reduce((x, s) => x + s.closedEarly, 0),
    localAddresses,
    clientProcesses: o.fleet.size,
    clientRss: stats.reduce((x, s) => x + s.rss, 0),
  };
}
