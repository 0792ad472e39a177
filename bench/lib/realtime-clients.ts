// The websocket load generator of bench:realtime, seen from the benchmark process: K forked
// processes (realtime-client.ts), each holding a share of the clients, driven over IPC. Client g
// (0-based, over the whole fleet, in the order `connect` calls add them; each call splits its
// clients evenly over the processes) connects from loopback address `localAddresses[g mod n]`
// and subscribes to `threadIds[g mod n]`.
//
// Clocks: the children report `performance.timeOrigin + performance.now()`; `calibrate()` measures
// each child's offset from ours with IPC round trips (the offset of the fastest round trip,
// bounded by half of it) and every time a child reports is shifted onto our clock.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './processes.ts';

export const nowAbs = () => performance.timeOrigin + performance.now();

interface Child {
  proc: ChildProcess;
  pending: Map<number, { ok: (r: Record<string, unknown>) => void; fail: (e: Error) => void }>;
  offset: number;
}

const script = fileURLToPath(new URL('./realtime-client.ts', import.meta.url));

export interface Delivery {
  postId: string;
  /** receipt, on our clock */
  at: number;
  /** events in the frame that carried it (> 1: coalesced with others) */
  batch: number;
}

export class ClientFleet {
  private readonly children: Child[];
  private nextId = 1;
  /** clients opened so far (the next client's g) */
  private opened = 0;
  /** per child, the clock offset measured last (ms), and the round trip it was measured with */
  clock: { offsetMs: number; rttMs: number }[] = [];

  private constructor(children: Child[]) {
    this.children = children;
  }

  static async start(k: number): Promise<ClientFleet> {
    const children = Array.from({ length: k }, () => {
      const proc = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      killOnExit(proc);
      const child: Child = { proc, pending: new Map(), offset: 0 };
      proc.on('message', (m: { id: number; error?: string }) => {
        const p = child.pending.get(m.id);
        if (!p) return;
        child.pending.delete(m.id);
        if (m.error) p.fail(new Error(`load-generator process ${proc.pid}: ${m.error}`));
        else p.ok(m as Record<string, unknown>);
      });
      proc.on('exit', (code) => {
        for (const p of child.pending.values()) p.fail(new Error(`load-generator process ${proc.pid} exited (${code})`));
        child.pending.clear();
      });
      return child;
    });
    const fleet = new ClientFleet(children);
    await fleet.calibrate();
    return fleet;
  }

  get pids(): number[] {
    return this.children.map((c) => c.proc.pid!);
  }

  get size(): number {
    return this.children.length;
  }

  private ask<T = Record<string, unknown>>(c: Child, msg: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise((ok, fail) => {
      c.pending.set(id, { ok: ok as (r: Record<string, unknown>) => void, fail });
      c.proc.send({ id, ...msg });
    });
  }

  private all<T = Record<string, unknown>>(msg: Record<string, unknown> | ((c: Child, i: number) => Record<string, unknown>)): Promise<T[]> {
    return Promise.all(this.children.map((c, i) => this.ask<T>(c, typeof msg === 'function' ? msg(c, i) : msg)));
  }

  async calibrate(rounds = 30): Promise<void> {
    this.clock = [];
    for (const c of this.children) {
      let best = { offsetMs: 0, rttMs: Infinity };
      for (let i = 0; i < rounds; i++) {
        const t0 = nowAbs();
        const { t } = await this.ask<{ t: number }>(c, { op: 'clock' });
        const t1 = nowAbs();
        if (t1 - t0 < best.rttMs) best = { offsetMs: t - (t0 + t1) / 2, rttMs: t1 - t0 };
      }
      c.offset = best.offsetMs;
      this.clock.push(best);
    }
  }

  /** Opens `total` more clients (split over the processes); resolves when every upgrade has an answer. */
  async connect(url: string, total: number, localAddresses: string[], concurrency = 200): Promise<{ connected: number; failed: number }> {
    const k = this.children.length;
    const counts = this.children.map((_c, i) => Math.floor(total / k) + (i < total % k ? 1 : 0));
    const base = this.opened;
    this.opened += total;
    const rs = await this.all<{ connected: number; failed: number }>((_c, i) => ({
      op: 'connect', url, from: base + counts.slice(0, i).reduce((a, b) => a + b, 0), count: counts[i], localAddresses, concurrency,
    }));
    return { connected: rs.reduce((a, r) => a + r.connected, 0), failed: rs.reduce((a, r) => a + r.failed, 0) };
  }

  /** Every client subscribes to threadIds[g mod n]; resolves when each has its answer (or after the timeout). */
  async subscribe(threadIds: string[], timeoutMs = 60_000): Promise<{ subscribed: number; errors: Record<string, number> }> {
    const rs = await this.all<{ subscribed: number; errors: Record<string, number> }>({ op: 'subscribe', threadIds, timeoutMs });
    const errors: Record<string, number> = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    return { subscribed: rs.reduce((a, r) => a + r.subscribed, 0), errors };
  }

  async record(mode: 'off' | 'delay' | 'fanout', threadId?: string): Promise<void> {
    await this.all({ op: 'record', mode, threadId });
  }

  /** fan-out: how many clients have the armed thread's frame so far */
  async fanGot(): Promise<number> {
    return (await this.all<{ fanGot: number }>({ op: 'progress' })).reduce((a, r) => a + r.fanGot, 0);
  }

  /** fan-out: each client's receipt time (our clock) and its g, and the distinct seqs they got */
  async collectFanout(): Promise<{ at: number[]; g: number[]; seqs: number[] }> {
    const rs = await this.all<{ at: number[]; g: number[]; seqs: number[] }>({ op: 'collect' });
    return { at: rs.flatMap((r, i) => r.at.map((t) => t - this.children[i].offset)), g: rs.flatMap((r) => r.g), seqs: [...new Set(rs.flatMap((r) => r.seqs))] };
  }

  /** delay: every (post, client) receipt since the last collect, and every server ping's arrival, on our clock */
  async collectDeliveries(): Promise<{ deliveries: Delivery[]; pingAt: number[]; sampleFrame?: string }> {
    const rs = await this.all<{ postIds: string[]; at: number[]; batch: number[]; pingAt: number[]; sampleFrame?: string }>({ op: 'collect' });
    const deliveries: Delivery[] = [];
    rs.forEach((r, i) => r.postIds.forEach((postId, j) => deliveries.push({ postId, at: r.at[j] - this.children[i].offset, batch: r.batch[j] })));
    const pingAt = rs.flatMap((r, i) => r.pingAt.map((t) => t - this.children[i].offset));
    return { deliveries, pingAt, sampleFrame: rs.find((r) => r.sampleFrame)?.sampleFrame };
  }

  async stats(): Promise<{ cpuSeconds: number; rss: number; clients: number; closedEarly: number; errors: Record<string, number> }[]> {
    return this.all({ op: 'stats' });
  }

  async disconnect(): Promise<void> {
    await this.all({ op: 'disconnect' });
    this.opened = 0;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
        const gone = new Promise((ok) => c.proc.once('exit', ok));
        c.proc.disconnect();
        const timer = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}
