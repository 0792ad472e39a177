// One websocket to a realtime node that comes back, shared by the widget (live.ts) and the
// console (console/live-queue.ts): it reconnects with a jittered backoff (at once when the browser
// is back online), pings every 25 s so that proxies keep it, and drops a socket an offline browser
// would keep open. What to subscribe to and what a frame means are the caller's.

export interface SocketHandlers {
  /** the socket is open: send the subscription */
  open(sock: WebSocket): void;
  /** a frame, parsed (frames that are not JSON are ignored) */
  frame(f: Record<string, unknown>, sock: WebSocket): void;
  /** the socket closed; another is tried unless `close()` was called */
  closed(): void;
}

export interface Reconnecting {
  /** the subscription took: the next failure waits the shortest time again */
  healthy(): void;
  /** drop the socket and connect again at once (the caller's state changed) */
  restart(): void;
  /** for good */
  close(): void;
}

export function reconnecting(url: string, h: SocketHandlers): Reconnecting {
  let ws: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let failures = 0;
  let stopped = false;

  const connect = () => {
    clearTimeout(retry);
    if (stopped || ws || !navigator.onLine) return;
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      h.open(sock);
      ping = setInterval(() => sock.readyState === 1 && sock.send('{"op":"ping"}'), 25000);
    };
    sock.onmessage = (m) => {
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(m.data as string);
      } catch {
        return;
      }
      h.frame(f, sock);
    };
    sock.onclose = () => {
      clearInterval(ping);
      if (ws !== sock) return;
      ws = undefined;
      h.closed();
      if (stopped) return;
      retry = setTimeout(connect, Math.min(30000, 500 * 2 ** failures++) * (0.5 + Math.random() / 2));
    };
  };
  const drop = () => ws?.close();
  addEventListener('offline', drop);
  addEventListener('online', connect);
  connect();
  return {
    healthy: () => void (failures = 0),
    restart() {
      const old = ws;
      ws = undefined;
      old?.close();
      failures = 0;
      connect();
    },
    close() {
      stopped = true;
      clearTimeout(retry);
      removeEventListener('offline', drop);
      removeEventListener('online', connect);
      drop();
    },
  };
}
