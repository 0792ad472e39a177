// The realtime side: one websocket per widget, subscribed to its thread from the last sequence it
// applied. It reconnects with backoff (socket.ts) and resumes from that sequence, so nothing is
// missed and nothing shown twice.
import type { EventView } from './domain.ts';
import { reconnecting } from './socket.ts';

export interface LiveHandlers {
  seq(): number;
  events(events: EventView[]): void;
  /** the server can't replay that far: refetch, then `resume` */
  reset(): void;
  state(connected: boolean): void;
}

export function live(base: string, threadId: string, h: LiveHandlers): { close(): void; restart(): void } {
  let wasUp = false;
  const conn = reconnecting(base.replace(/^http/, 'ws') + '/v1/realtime', {
    open(sock) {
      conn.healthy();
      sock.send(JSON.stringify({ op: 'subscribe', threadId, after: h.seq() }));
    },
    frame(f, sock) {
      if (f.op === 'subscribed') {
        if (!wasUp) h.state(true);
        wasUp = true;
      } else if (f.op === 'events' && f.events) {
        // The server sends each seq once, in order; anything else means our state is off: resume.
        const fresh = (f.events as EventView[]).filter((e) => e.seq > h.seq());
        if (fresh.length && fresh[0].seq !== h.seq() + 1) return sock.close();
        h.events(fresh);
      } else if (f.op === 'reset') h.reset();
    },
    closed() {
      if (wasUp) h.state(false);
      wasUp = false;
    },
  });
  return {
    /** subscribe again from h.seq() (after a refetch) */
    restart: conn.restart,
    close: conn.close,
  };
}
