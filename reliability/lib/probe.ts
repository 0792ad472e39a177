// Preloaded into every Node process the reliability programs start (`node --import probe.ts
// app.ts`), so the apps measure themselves without a line of their code changing. Over the IPC
// channel the parent asks {probe: 'sample'} and gets the process's RSS and heap and its event-loop
// delay since the previous sample ("interval") and since the last {probe: 'mark'} ("total"), in
// milliseconds. With {gc: true}, and a process started with --expose-gc, it first collects
// garbage and also reports the live heap (what a leak would grow; RSS also holds capacity V8 and
// malloc keep). Without an IPC channel the probe does nothing.
//
// monitorEventLoopDelay records the whole time between two of its timer ticks, so an idle loop
// reads as the resolution itself; we subtract it, and what remains is how late the loop was.
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';

export const PROBE_RESOLUTION_MS = 5;

export interface DelayFigures {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

export interface ProbeSample {
  probe: 'sample';
  id: number;
  pid: number;
  rss: number;
  heapUsed: number;
  /** heap V8 has committed (used plus the capacity it keeps) */
  heapTotal: number;
  /** memory outside the V8 heap that V8 knows of (buffers) */
  external: number;
  /** heap in use right after a full GC (only when asked and --expose-gc is on) */
  liveHeap?: number;
  interval: DelayFigures;
  total: DelayFigures;
}

function figures(h: ELDHistogram): DelayFigures {
  const ms = (ns: number) => Math.max(0, ns / 1e6 - PROBE_RESOLUTION_MS);
  if (h.count === 0) return { p50: 0, p99: 0, max: 0, mean: 0, count: 0 };
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), count: h.count };
}

if (process.send) {
  const interval = monitorEventLoopDelay({ resolution: PROBE_RESOLUTION_MS });
  const total = monitorEventLoopDelay({ resolution: PROBE_RESOLUTION_MS });
  interval.enable();
  total.enable();
  process.on('message', (m: { probe?: string; id?: number; gc?: boolean }) => {
    if (m?.probe === 'mark') {
      total.reset();
      return;
    }
    if (m?.probe !== 'sample') return;
    const mem = process.memoryUsage();
    const sample: ProbeSample = { probe: 'sample', id: m.id ?? 0, pid: process.pid, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, interval: figures(interval), total: figures(total) };
    const gc = (globalThis as { gc?: () => void }).gc;
    if (m.gc && gc) {
      // measured after the loop figures are taken, so the pause it causes counts in the next interval
      gc();
      sample.liveHeap = process.memoryUsage().heapUsed;
    }
    interval.reset();
    process.send?.(sample);
  });
  // The channel must not keep an app alive that would otherwise exit (adding the listener ref'd it).
  process.channel?.unref();
  // A parent that died (its end of the channel closed) is not a reason for the app to crash.
  process.on('disconnect', () => {});
}
