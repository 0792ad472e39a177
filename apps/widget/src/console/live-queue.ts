// The queue, live (docs/realtime.md, "The moderation queue, live"): one websocket to this origin's
// /v1/realtime with a queue subscription for the forum. The queue has no sequence to resume from,
// so each time the subscription is in place (the first time, and after every reconnect) the queue is
// fetched again, and changes that arrive during that fetch are applied after it (queue-view.ts).
import type { ConsoleContext } from './main.ts';
import type { QueueItem } from './types.ts';

export interface LiveQueueHandlers {
  /** posts whose queue changed: each is the post's latest state, placed by its `queue` */
  changes(items: QueueItem[]): void;
  /** fetch the queue again: the subscription is (back) in place */
  reload(): void;
}

interface Frame {
  op: string;
  code?: string;
  message?: string;
  changes?: { item: QueueItem }[];
}

export function startLiveQueue(ctx: ConsoleContext, h: LiveQueueHandlers): { close(): void } {
  const url = location.origin.replace(/^http/, 'ws') + '/v1/realtime';
  const root = document.getElementById('console');
  const live = (on: boolean) => root && (root.dataset.live = on ? 'on' : 'off');
  let ws: WebSocket | undefined;
  let failures = 0;
  let stopped = false;
  let ping: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    clearTimeout(retry);
    if (stopped || ws || !navigator.onLine) return;
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      sock.send(JSON.stringify({ op: 'subscribeQueue', forum: ctx.session.slug, key: ctx.session.token }));
      ping = setInterval(() => sock.readyState === 1 && sock.send('{"op":"ping"}'), 25000);
    };
    sock.onmessage = (m) => {
      let f: Frame;
      try {
        f = JSON.parse(m.data as string);
      } catch {
        return;
      }
      if (f.op === 'queueSubscribed') {
        failures = 0;
        live(true);
        h.reload();
      } else if (f.op === 'queue' && f.changes) h.changes(f.changes.map((c) => c.item));
      else if (f.op === 'error') {
        live(false);
        // the credential no longer moderates the forum: the whole console signs out, saying why
        if (f.code === 'credential_revoked' || f.code === 'unauthorized') {
          stop();
          return ctx.expire(f.message ?? f.code);
        }
        // refused otherwise (the node is busy): the list stays as it is, and says it is no longer live
        ctx.say(`Live updates stopped: ${f.message ?? f.code}`);
      }
    };
    sock.onclose = () => {
      clearInterval(ping);
      if (ws !== sock) return;
      ws = undefined;
      live(false);
      if (stopped) return;
      retry = setTimeout(connect, Math.min(30000, 500 * 2 ** failures++) * (0.5 + Math.random() / 2));
    };
  };
  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    ws?.close();
  };
  // an offline browser may keep a dead socket open for long: drop it, and connect again once back
  addEventListener('offline', () => ws?.close());
  addEventListener('online', connect);
  connect();
  return { close: stop };
}
