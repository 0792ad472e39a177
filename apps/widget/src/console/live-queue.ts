// The queue, live (docs/realtime.md, "The moderation queue, live"): one websocket to this origin's
// /v1/realtime with a queue subscription for the forum. The queue has no sequence to resume from,
// so each time the subscription is in place (the first time, and after every reconnect) the queue is
// fetched again, and changes that arrive during that fetch are applied after it (queue-view.ts).
import type { ConsoleContext } from './main.ts';
import type { QueueItem } from './types.ts';
import { reconnecting } from '../socket.ts';

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
  const root = document.getElementById('console');
  const live = (on: boolean) => root && (root.dataset.live = on ? 'on' : 'off');
  const conn = reconnecting(location.origin.replace(/^http/, 'ws') + '/v1/realtime', {
    open: (sock) => sock.send(JSON.stringify({ op: 'subscribeQueue', forum: ctx.session.slug, key: ctx.session.token })),
    frame(raw) {
      const f = raw as unknown as Frame;
      if (f.op === 'queueSubscribed') {
        conn.healthy();
        live(true);
        h.reload();
      } else if (f.op === 'queue' && f.changes) h.changes(f.changes.map((c) => c.item));
      else if (f.op === 'error') {
        live(false);
        // the credential no longer moderates the forum: the whole console signs out, saying why
        if (f.code === 'credential_revoked' || f.code === 'unauthorized') {
          conn.close();
          return ctx.expire(f.message ?? f.code);
        }
        // refused otherwise (the node is busy): the list stays as it is, and says it is no longer live
        ctx.say(`Live updates stopped: ${f.message ?? f.code}`);
      }
    },
    closed: () => live(false),
  });
  return { close: conn.close };
}
