// What a receiver gets: the event as the forum's moderators see it (webhooks are created with the
// moderator key, so integrators are the forum's owners: pending and spam posts, vote values
// included), plus the ids a receiver needs to route and deduplicate. Built once at enqueue time
// and kept as text in the job, so every retry sends (and signs) the same bytes.
import type { LoggedEvent } from '@parley/data';
import { eventView } from '@parley/domain';

export function webhookBody(e: LoggedEvent): string {
  const view = eventView(e.seq ?? 0, e.at, e.event, { moderator: true });
  return JSON.stringify({ id: e.id, forumId: e.forumId, threadId: e.threadId, ...view });
}
