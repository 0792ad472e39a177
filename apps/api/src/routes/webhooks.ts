import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { credential } from '../auth.ts';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, requestReplay, webhookView } from '../commands/webhooks.ts';
import { SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const strict = { additionalProperties: false } as const;

const CreateWebhookBody = Type.Object(
  { url: Type.String({ maxLength: 2000 }), events: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 })) },
  strict,
);
type CreateWebhookBody = Static<typeof CreateWebhookBody>;
const WebhookParams = Type.Object({ slug: Type.String(), id: Type.String() });
const DeliveriesQuery = Type.Object({ limit: Type.Optional(Type.Integer()) }, strict);
const ReplayBody = Type.Object({ eventId: Type.String({ maxLength: 40 }) }, strict);

type P = { Params: { slug: string; id: string } };
const tags = ['webhooks'];

export default function webhookRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Params: { slug: string }; Body: CreateWebhookBody }>(
    '/v1/forums/:slug/webhooks',
    { schema: { tags, params: SlugParams, body: CreateWebhookBody } },
    async (req, reply) => {
      const { webhook, secret } = await createWebhook(s, await credential(req, s), req.params.slug, req.body);
      return reply.status(201).send({ webhook: webhookView(webhook), secret });
    },
  );

  app.get<{ Params: { slug: string } }>('/v1/forums/:slug/webhooks', { schema: { tags, params: SlugParams } }, async (req) => ({
    webhooks: (await listWebhooks(s, await credential(req, s), req.params.slug)).map(webhookView),
  }));

  app.delete<P>('/v1/forums/:slug/webhooks/:id', { schema: { tags, params: WebhookParams } }, async (req, reply) => {
    await deleteWebhook(s, await credential(req, s), req.params.slug, req.params.id);
    return reply.status(204).send();
  });

  app.get<P & { Querystring: { limit?: number } }>(
    '/v1/forums/:slug/webhooks/:id/deliveries',
    { schema: { tags, params: WebhookParams, querystring: DeliveriesQuery } },
    async (req) => ({ deliveries: await listDeliveries(s, await credential(req, s), req.params.slug, req.params.id, req.query.limit) }),
  );

  app.post<P & { Body: { eventId: string } }>(
    '/v1/forums/:slug/webhooks/:id/replay',
    { schema: { tags, params: WebhookParams, body: ReplayBody } },
    async (req, reply) => {
      await requestReplay(s, await credential(req, s), req.params.slug, req.params.id, req.body.eventId);
      return reply.status(202).send({ queued: true });
    },
  );
}
