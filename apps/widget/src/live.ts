// The realtime side: one websocket per widget, subscribed to its thread from the last sequence it
// applied. It reconnects with backoff (at once when the browser comes back online) and resumes
// from that sequence, so nothing is missed and nothing shown twice.
import type { EventView } from './domain.ts';

export interface LiveHandlers {
  seq(): number;
  events(events: EventView[]): void;
  /** the server can't replay that far: refetch, then `resume` */
  reset(): void;
  state(connected: boolean): void;
}

export function live(base: string, threadId: string, h: LiveHandlers): { close(): void; restart(): void } {
  const url = base.replace(/^http/, 'ws') + '/v1/realtime';
  let ws: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let failures = 0;
  let stopped = false;
  let wasUp = false;

  const connect = () => {
    clearTimeout(retry);
    if (stopped || ws || !navigator.onLine) return;
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      failures = 0;
      sock.send(JSON.stringify({ op: 'subscribe', threadId, after: h.seq() }));
      ping = setInterval(() => sock.readyState === 1 && sock.send('{"op":"ping"}'), 25000);
    };
    sock.onmessage = (m) => {
      let f: { op: string; events?: EventView[] };
      try {
        f = JSON.parse(m.data as string);
      } catch {
        return;
      }
      if (f.op === 'subscribed') {
        if (!wasUp) h.state(true);
        wasUp = true;
      } else if (f.op === 'events' && f.events) {
        // The server sends each seq once, in order; anything else means our state is off: resume.
        const fresh = f.events.filter((e) => e.seq > h.seq());
        if (fresh.length && fresh[0].seq !== h.seq() + 1) return sock.close();
        h.events(fresh);
      } else if (f.op === 'reset') h.reset();
    };
    sock.onclose = () => {
      clearInterval(ping);
      if (ws !== sock) return;
      ws = undefined;
      if (wasUp) h.state(false);
      wasUp = false;
      if (stopped) return;
      const wait = Math.min(30000, 500 * 2 ** failures++) * (0.5 + Math.random() / 2);
      retry = setTimeout(connect, wait);
    };
  };

  const drop = () => ws?.close();
  addEventListener('offline', drop);
  addEventListener('online', connect);
  connect();
  return {
    /** subscribe again from h.seq() (after a refetch) */
    restart() {
      const old = ws;
      ws = undefined;
      old?.close();
      failures = 0;
      connect();
    },
    close() {
      stopped = true;
      removeEventListener('offline', drop);
      removeEventListener('online', connect);
      drop();
    },
  };
}
