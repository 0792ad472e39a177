// Webhooks of a forum: created, listed and deleted with the forum's moderator key (or the admin
// token). Each change is one statement plus its forum event (WebhookCreated / WebhookDeleted) in
// one transaction. A replay is recorded as a WebhookReplayRequested event: the worker's relay
// hands it to the webhooks handler, which enqueues the delivery exactly once, so the API needs no
// queue client of its own.
import { actorOf, requireManager, type Credential } from '@parley/access';
import { randomBytes } from 'node:crypto';
import { appendEvent, checkWebhookTarget, webhookSql, WebhookTargetRefused } from '@parley/data';
import {
  actorLabel,
  checkId,
  checkWebhookEvents,
  checkWebhookUrl,
  makeEvent,
  ParleyError,
  webhookEventTypes,
  type Webhook,
  type WebhookCreated,
  type WebhookDeleted,
  type WebhookReplayRequested,
  type DeliveryView,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

export const webhookFromRow = (r: Record<string, unknown>): Webhook => ({
  id: String(r.id),
  forumId: String(r.forum_id),
  url: r.url as string,
  events: r.events as Webhook['events'],
  createdAt: r.created_at as Date,
});

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

async function moderatedForum(s: Services, cred: Credential, slug: string) {
  const forum = await getForum(s, slug);
  requireManager(cred, forum.id);
  return forum;
}

export async function createWebhook(
  s: Services,
  cred: Credential,
  slug: string,
  body: { url: string; events?: string[] },
): Promise<{ webhook: Webhook; secret: string }> {
  const forum = await moderatedForum(s, cred, slug);
  const url = checkWebhookUrl(body.url);
  const events = checkWebhookEvents(body.events);
  try {
    await checkWebhookTarget(url, s.config.webhookAllowPrivate);
  } catch (err) {
    if (!(err instanceof WebhookTargetRefused)) throw err;
    throw new ParleyError('webhook_url_refused', { message: `The webhook url is refused: ${err.message}.`, details: { host: err.host } });
  }
  const secret = newSecret();
  const webhook = await s.db.tx({ area: 'forums' }, async (ex) => {
    const { rows } = await ex.query(webhookSql.insertWebhook, [forum.id, url.href, events, secret]);
    const webhook = webhookFromRow(rows[0]);
    await appendEvent(ex, { forumId: forum.id, actor: actorLabel(actorOf(cred)), event: makeEvent<WebhookCreated>('WebhookCreated', webhook) });
    return webhook;
  });
  return { webhook, secret };
}

export async function listWebhooks(s: Services, cred: Credential, slug: string): Promise<Webhook[]> {
  const forum = await moderatedForum(s, cred, slug);
  const { rows } = await s.db.exec({ area: 'forums', mode: 'read', fresh: true }, webhookSql.selectForumWebhooks, [forum.id]);
  return rows.map(webhookFromRow);
}

export async function deleteWebhook(s: Services, cred: Credential, slug: string, id: string): Promise<void> {
  const forum = await moderatedForum(s, cred, slug);
  checkId(id, 'webhook id');
  await s.db.tx({ area: 'forums' }, async (ex) => {
    const { rows } = await ex.query(webhookSql.deleteWebhook, [id, forum.id]);
    if (rows.length === 0) throw new ParleyError('webhook_not_found', { details: { id } });
    await appendEvent(ex, { forumId: forum.id, actor: actorLabel(actorOf(cred)), event: makeEvent<WebhookDeleted>('WebhookDeleted', webhookFromRow(rows[0])) });
  });
}

export async function listDeliveries(s: Services, cred: Credential, slug: string, id: string, limit = 50): Promise<DeliveryView[]> {
  const forum = await moderatedForum(s, cred, slug);
  checkId(id, 'webhook id');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ParleyError('invalid_limit', { message: 'limit must be from 1 to 100.' });
  const { rows } = await s.db.exec({ area: 'forums', mode: 'read' }, webhookSql.selectDeliveries, [id, forum.id, limit]);
  if (rows.length === 0) throw new ParleyError('webhook_not_found', { details: { id } });
  return rows
    .filter((r) => r.id !== null)
    .map((r) => ({
      id: String(r.id),
      eventId: String(r.event_id),
      attempt: r.attempt as number,
      status: r.status as DeliveryView['status'],
      httpStatus: (r.http_status as number | null) ?? null,
      error: (r.error as string | null) ?? null,
      durationMs: r.duration_ms as number,
      at: (r.at as Date).toISOString(),
    }));
}

/** Records a request to deliver one of the forum's events to one of its webhooks again. */
export async function requestReplay(s: Services, cred: Credential, slug: string, id: string, eventId: string): Promise<void> {
  const forum = await moderatedForum(s, cred, slug);
  checkId(id, 'webhook id');
  checkId(eventId, 'event id');
  // two partitions, two reads (webhooks: forums area; events: the forum's content shard)
  const hook = await s.db.exec({ area: 'forums', mode: 'read', fresh: true }, webhookSql.selectWebhookOfForum, [id, forum.id]);
  if (hook.rows.length === 0) throw new ParleyError('webhook_not_found', { details: { id } });
  if (!s.db.hasShard(forum.shard)) throw new ParleyError('event_not_found', { details: { eventId } });
  const event = await s.db.exec({ area: 'content', shard: forum.shard, mode: 'read' }, webhookSql.selectDeliverableEvent, [eventId, forum.id, webhookEventTypes]);
  if (event.rows.length === 0) throw new ParleyError('event_not_found', { details: { eventId } });
  await s.db.tx({ area: 'forums' }, (ex) =>
    appendEvent(ex, {
      forumId: forum.id,
      actor: actorLabel(actorOf(cred)),
      event: makeEvent<WebhookReplayRequested>('WebhookReplayRequested', { webhookId: id, eventId }),
    }),
  );
}
