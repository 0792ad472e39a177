// The realtime tier for tests: the API listening on a real loopback port with realtime attached
// (the embedded layout), and websocket clients that collect what they receive.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { AppDeps } from '@parley/api';
import type { Config, Database } from '@parley/data';
import { attachRealtime, type Realtime } from '@parley/realtime';
import { testApi, type TestApi } from './app.ts';
import type { TapTest } from './db.ts';

export interface RealtimeStack {
  api: TestApi;
  realtime: Realtime;
  /** ws://…/v1/realtime on the API's port */
  wsUrl: string;
  /** http://… of the API */
  httpUrl: string;
}

/** Realtime options that keep tests quick: a short sweep so the repair path shows within a second. */
export const FAST: Partial<Config> = { realtimeSweepMs: 200 };

export async function testRealtimeStack(
  t: TapTest,
  overrides: Partial<Config> = {},
  opts: { shared?: Database; publisher?: AppDeps['publisher']; widgetDir?: string } = {},
): Promise<RealtimeStack> {
  const api = await testApi(t, { ...FAST, ...overrides }, opts.shared, { publisher: opts.publisher, widgetDir: opts.widgetDir });
  const realtime = attachRealtime(api.app.server, { config: api.config, db: api.db });
  // closes before the app (teardowns run in reverse): upgraded sockets would keep the server open
  t.teardown(() => realtime.close());
  await realtime.ready();
  // a test that sets the public URL (OpenID Connect redirects name it) listens on its port
  await api.app.listen({ host: '127.0.0.1', port: overrides.publicUrl ? Number(new URL(overrides.publicUrl).port) : 0 });
  const { port } = api.app.server.address() as AddressInfo;
  return { api, realtime, wsUrl: `ws://127.0.0.1:${port}/v1/realtime`, httpUrl: `http://127.0.0.1:${port}` };
}

export type Frame = Record<string, any>;

export interface Client {
  ws: WebSocket;
  /** every frame received, in order */
  frames: Frame[];
  /** resolves with the first frame (from the start) matching `pred` that no earlier `next` returned */
  next(pred?: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** event seqs received for a thread, in arrival order */
  seqs(threadId: string): number[];
  /** waits until the thread's last received seq is at least `seq` */
  reach(threadId: string, seq: number, timeoutMs?: number): Promise<void>;
  subscribe(threadId: string, extra?: Record<string, unknown>): Promise<Frame>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function wsClient(t: TapTest, url: string, opts: { origin?: string; headers?: Record<string, string> } = {}): Promise<Client> {
  const ws = new WebSocket(url, { origin: opts.origin, headers: opts.headers });
  const frames: Frame[] = [];
  const taken = new Set<number>();
  const waiters = new Set<() => void>();
  ws.on('error', () => {});
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((ok) => ws.on('close', (code, reason) => ok({ code, reason: reason.toString() })));
  t.teardown(() => ws.terminate());
  await once(ws, 'open');

  const waitFor = <T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(frames).slice(-600)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const c: Client = {
    ws,
    frames,
    next(pred = () => true, timeoutMs = 5000) {
      return waitFor('a frame', () => {
        const i = frames.findIndex((f, i) => !taken.has(i) && pred(f));
        if (i < 0) return undefined;
        taken.add(i);
        return frames[i];
      }, timeoutMs);
    },
    seqs(threadId) {
      return frames.filter((f) => f.op === 'events' && f.threadId === threadId).flatMap((f) => f.events.map((e: Frame) => e.seq));
    },
    async reach(threadId, seq, timeoutMs = 5000) {
      await waitFor(`seq ${seq} of thread ${threadId}`, () => (c.seqs(threadId).some((s) => s >= seq) ? true : undefined), timeoutMs);
    },
    async subscribe(threadId, extra = {}) {
      ws.send(JSON.stringify({ op: 'subscribe', threadId, ...extra }));
      return c.next((f) => f.threadId === threadId && ['subscribed', 'error', 'reset'].includes(f.op));
    },
    closed,
    close: () => ws.close(),
  };
  await c.next((f) => f.op === 'hello');
  return c;
}
