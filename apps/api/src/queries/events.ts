// A thread's event log, in sequence order, as this viewer may see it.
import { loggedEventFromRow, selectThreadEvents } from '@parley/data';
import { eventView, ParleyError, type EventView } from '@parley/domain';
import { contentRoute } from '../shards.ts';
import type { Services } from '../services.ts';

export async function listEvents(
  s: Services,
  threadId: string,
  q: { after?: number; limit?: number },
  moderator: boolean,
): Promise<{ events: EventView[]; nextAfter: number }> {
  const after = q.after ?? 0;
  const limit = q.limit ?? 100;
  if (limit < 1 || limit > 1000) throw new ParleyError('invalid_limit', { message: 'limit must be from 1 to 1000.' });
  const { rows } = await s.db.exec({ ...contentRoute(s.db, threadId, 'thread_not_found'), mode: 'read' }, selectThreadEvents, [threadId, after, limit]);
  const events = rows.map((r) => {
    const e = loggedEventFromRow(r);
    return eventView(e.seq!, e.at, e.event, { moderator });
  });
  return { events, nextAfter: events.length ? events[events.length - 1].seq : after };
}
