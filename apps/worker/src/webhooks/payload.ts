// What a receiver gets: the event as the forum's moderators see it (webhooks are created with the
// moderator key, so integrators are the forum's owners: pending and spam posts, vote values
// included), plus the ids a receiver needs to route and deduplicate. Built once at enqueue time
// and kept as text in the job, so every retry sends (and signs) the same bytes.
import { eventView, type ParleyEvent } from '@parley/domain';

export interface PayloadSource {
  id: string;
  forumId: string | null;
  threadId: string | null;
  seq: number | null;
  at: Date;
  event: ParleyEvent;
}

export function webhookBody(e: PayloadSource): string {
  const view = eventView(e.seq ?? 0, e.at, e.event, { moderator: true });
  return JSON.stringify({ id: e.id, forumId: e.forumId, threadId: e.threadId, ...view });
}
