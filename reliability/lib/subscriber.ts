// A realtime subscriber that holds the protocol's promise to account (docs/realtime.md): it keeps
// the last seq it saw per thread, and after every disconnect reconnects (backoff with jitter) and
// subscribes with `after` = that seq. Each event must be exactly last + 1: an older one is a
// duplicate, a later one skips events (counted as out of order, with how many it skipped).
// A `reset` is refetched over HTTP (GET /v1/threads/:id/events) and resubscribed, and counted.
import WebSocket from 'ws';
import type { EventView } from '../../packages/domain/src/index.ts';
import { call, sleep } from './http.ts';

export interface SubscriberStats {
  /** events received in order over the websocket */
  seen: number;
  outOfOrder: number;
  /** events a jump forward skipped */
  skipped: number;
  duplicates: number;
  connects: number;
  /** reconnects that resubscribed with `after` */
  resumes: number;
  resets: number;
  /** events fetched over HTTP after a reset */
  refetched: number;
  errors: Map<string, number>;
}

export interface SubscriberOptions {
  url: string;
  apiUrl: string;
  threads: { id: string; after?: number }[];
  /** keep every event's type by seq (to compare with the log) */
  keepTypes?: boolean;
  log?: (line: string) => void;
  name?: string;
}

export class Subscriber {
  readonly last = new Map<string, number>();
  readonly types = new Map<string, string[]>();
  readonly stats: SubscriberStats = { seen: 0, outOfOrder: 0, skipped: 0, duplicates: 0, connects: 0, resumes: 0, resets: 0, refetched: 0, errors: new Map() };
  private ws: WebSocket | undefined;
  private closed = false;
  private backoff = 250;
  /** threads whose subscription is in place (subscribed frame seen) on the current connection */
  readonly active = new Set<string>();
  private readonly o: SubscriberOptions;

  constructor(o: SubscriberOptions) {
    this.o = o;
    for (const t of o.threads) if (t.after !== undefined) this.last.set(t.id, t.after);
    this.connect();
  }

  private error(code: string): void {
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.o.url);
    this.ws = ws;
    this.active.clear();
    ws.on('open', () => {
      this.stats.connects++;
      if (this.stats.connects > 1) this.stats.resumes++;
      this.backoff = 250;
      for (const t of this.o.threads) this.subscribe(t.id);
    });
    ws.on('message', (data) => this.frame(JSON.parse(String(data)) as Record<string, unknown>));
    ws.on('error', () => {}); // 'close' follows
    ws.on('close', () => {
      this.active.clear();
      if (this.closed) return;
      const wait = this.backoff * (0.5 + Math.random());
      this.backoff = Math.min(this.backoff * 2, 2000);
      setTimeout(() => this.connect(), wait);
    });
  }

  private subscribe(threadId: string): void {
    const after = this.last.get(threadId);
    const frame: Record<string, unknown> = { op: 'subscribe', threadId };
    if (after !== undefined) frame.after = after;
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private frame(f: Record<string, unknown>): void {
    const threadId = f.threadId as string | undefined;
    switch (f.op) {
      case 'subscribed':
        this.active.add(threadId!);
        if (!this.last.has(threadId!)) this.last.set(threadId!, f.seq as number);
        return;
      case 'events':
        for (const e of f.events as EventView[]) this.event(threadId!, e);
        return;
      case 'reset':
        this.stats.resets++;
        this.active.delete(threadId!);
        void this.refetch(threadId!);
        return;
      case 'error': {
        this.error(String(f.code));
        // the node could not reach its database: ask again in a moment
        if (threadId && f.code === 'unavailable') setTimeout(() => this.subscribe(threadId), 500);
        return;
      }
      default:
        return; // hello, pong, unsubscribed
    }
  }

  private event(threadId: string, e: EventView): void {
    const last = this.last.get(threadId) ?? 0;
    if (e.seq <= last) {
      this.stats.duplicates++;
      return;
    }
    if (e.seq !== last + 1) {
      this.stats.outOfOrder++;
      this.stats.skipped += e.seq - last - 1;
      this.o.log?.(`${this.o.name ?? 'subscriber'}: thread ${threadId} jumped from ${last} to ${e.seq}`);
    }
    this.stats.seen++;
    this.last.set(threadId, e.seq);
    if (this.o.keepTypes) {
      const list = this.types.get(threadId) ?? [];
      list[e.seq] = e.type;
      this.types.set(threadId, list);
    }
  }

  /** After a reset: read the log over HTTP from the last seq, then subscribe again from there. */
  private async refetch(threadId: string): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const after = this.last.get(threadId) ?? 0;
      const r = await call(this.o.apiUrl, 'GET', `/v1/threads/${threadId}/events?after=${after}&limit=1000`);
      if (r.kind !== 'answer' || r.status !== 200) {
        await sleep(500);
        continue;
      }
      const events = (r.body as { events: EventView[] }).events;
      for (const e of events) {
        if (e.seq === (this.last.get(threadId) ?? 0) + 1) {
          this.stats.refetched++;
          this.last.set(threadId, e.seq);
          if (this.o.keepTypes) {
            const list = this.types.get(threadId) ?? [];
            list[e.seq] = e.type;
            this.types.set(threadId, list);
          }
        }
      }
      if (events.length < 1000) break;
    }
    this.subscribe(threadId);
  }

  /** The threads whose last seq is below the given heads. */
  behind(heads: Map<string, number>): { threadId: string; last: number; head: number }[] {
    const out = [];
    for (const t of this.o.threads) {
      const head = heads.get(t.id) ?? 0;
      const last = this.last.get(t.id) ?? 0;
      if (last < head) out.push({ threadId: t.id, last, head });
    }
    return out;
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
    this.ws?.terminate();
  }
}
