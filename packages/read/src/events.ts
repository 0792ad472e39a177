// A thread's event log, in sequence order, as this viewer may see it.
import { loggedEventFromRow, selectThreadEvents, type ContentLocator, type Database } from '@parley/data';
import { eventView, ParleyError, type EventPage, type Viewer } from '@parley/domain';

export interface EventPageQuery {
  after?: number;
  limit?: number;
}

export const eventPageMax = 1000;

export async function listEvents(db: Database, locator: ContentLocator, threadId: string, q: EventPageQuery, viewer: Viewer): Promise<EventPage> {
  const after = q.after ?? 0;
  const limit = q.limit ?? 100;
  if (limit < 1 || limit > eventPageMax) throw new ParleyError('invalid_limit', { message: `limit must be from 1 to ${eventPageMax}.` });
  const { rows } = await db.exec({ ...(await locator.threadRoute(threadId)), mode: 'read' }, selectThreadEvents, [threadId, after, limit]);
  const events = rows.map((r) => {
    const e = loggedEventFromRow(r);
    // a thread's events always carry their sequence number
    return eventView(e.seq!, e.at, e.event, viewer);
  });
  return { events, nextAfter: events.length ? events[events.length - 1].seq : after };
}
