// The `webhooks` signal handler: turns events into delivery jobs, one per (webhook, event), and a
// moderator's replay request (a WebhookReplayRequested event) into one job for the event it
// names. Per batch: one read of the webhooks of the batch's forums, one of the replayed events,
// then one transaction that claims the events and inserts the jobs, so a retried or crashed
// batch never enqueues a delivery twice.
import { claimEvents, decodeEventRow, eventRowFromRow, webhookSql, type LoggedEvent } from '@parley/data';
import { isWebhookEventType, webhookEventTypes, type WebhookReplayRequested } from '@parley/domain';
import type { JobInsert } from 'pg-boss';
import type { SignalHandler } from '../signals/registry.ts';
import { webhookBody } from './payload.ts';

export const WEBHOOK_QUEUE = 'parley.webhook';

export interface DeliveryJob {
  webhookId: string;
  eventId: string;
  /** the JSON body, as text: every retry sends and signs the same bytes */
  body: string;
}

interface HookRow {
  id: string;
  forum_id: string;
  events: string[];
}

export const webhooksHandler: SignalHandler = {
  name: 'webhooks',
  types: [...webhookEventTypes, 'WebhookReplayRequested'],
  async handle(events, ctx) {
    const direct = events.filter((e) => isWebhookEventType(e.type) && e.forumId !== null);
    const replays = events.filter((e): e is LoggedEvent<WebhookReplayRequested> => e.event.type === 'WebhookReplayRequested');
    const forumIds = [...new Set(direct.map((e) => e.forumId!))];
    const replayed = replays.map((r) => r.event.snapshot);
    if (forumIds.length === 0 && replayed.length === 0) return;

    // fresh: a webhook created a moment ago must already receive the next event
    const { rows: hooks } = await ctx.db.exec<HookRow>({ area: 'forums', mode: 'read', fresh: true }, webhookSql.selectWebhooksForDispatch, [
      forumIds,
      replayed.map((r) => r.webhookId),
    ]);
    const byForum = new Map<string, HookRow[]>();
    for (const h of hooks) byForum.set(h.forum_id, [...(byForum.get(h.forum_id) ?? []), h]);
    const byId = new Map(hooks.map((h) => [h.id, h]));

    // the jobs each triggering event leads to, keyed by that event's id (what gets claimed)
    const jobs = new Map<string, JobInsert<DeliveryJob>[]>();
    for (const e of direct) {
      const subscribed = (byForum.get(e.forumId!) ?? []).filter((h) => h.events.includes(e.type));
      if (subscribed.length === 0) continue;
      const body = webhookBody(e);
      jobs.set(e.id, subscribed.map((h) => ({ data: { webhookId: h.id, eventId: e.id, body } })));
    }
    if (replays.length) {
      // each replayed event is read from the shard that holds its webhook's forum now
      const known = replays.filter((r) => byId.has(r.event.snapshot.webhookId));
      const byShard = await ctx.locator.byShard(known, (r) => byId.get(r.event.snapshot.webhookId)!.forum_id, { fresh: true });
      const originals = new Map<string, ReturnType<typeof eventRowFromRow>>();
      for (const [shard, some] of byShard) {
        const { rows } = await ctx.db.exec({ area: 'content', shard, mode: 'read', fresh: true }, webhookSql.selectEventsById, [some.map((r) => r.event.snapshot.eventId)]);
        for (const e of rows.map(eventRowFromRow)) originals.set(e.id, e);
      }
      for (const r of replays) {
        const { webhookId, eventId } = r.event.snapshot;
        const hook = byId.get(webhookId);
        const original = originals.get(eventId);
        // deleted meanwhile, or not this forum's: nothing to deliver
        if (!hook || !original || original.forumId !== hook.forum_id) continue;
        jobs.set(r.id, [{ data: { webhookId, eventId, body: webhookBody(decodeEventRow(original)) } }]);
      }
    }
    if (jobs.size === 0) return;

    await ctx.db.tx({ area: 'forums' }, async (ex) => {
      const fresh = await claimEvents(ex, 'webhooks', [...jobs.keys()]);
      const insert = [...jobs].filter(([id]) => fresh.has(id)).flatMap(([, j]) => j);
      if (insert.length) await ctx.boss.insert(WEBHOOK_QUEUE, insert, { db: { executeSql: (text, values) => ex.query(text, values) } });
    });
  },
};
