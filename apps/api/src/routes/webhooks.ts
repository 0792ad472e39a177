import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { webhookView } from '@parley/domain';
import { credential } from '../auth.ts';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, requestReplay } from '../commands/webhooks.ts';
import { answers, CreatedWebhookAnswer, DeliveriesAnswer, NoContent, QueuedAnswer, WebhooksAnswer } from '../responses.ts';
import { SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const strict = { additionalProperties: false } as const;

const CreateWebhookBody = Type.Object(
  { url: Type.String({ maxLength: 2000 }), events: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 })) },
  strict,
);
const WebhookParams = Type.Object({ slug: Type.String(), id: Type.String() });
const DeliveriesQuery = Type.Object({ limit: Type.Optional(Type.Integer()) }, strict);
const ReplayBody = Type.Object({ eventId: Type.String({ maxLength: 40 }) }, strict);

const tags = ['webhooks'];

const webhookRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.post(
    '/v1/forums/:slug/webhooks',
    { schema: { tags, params: SlugParams, body: CreateWebhookBody, response: answers({ 201: CreatedWebhookAnswer }) } },
    async (req, reply) => {
      const { webhook, secret } = await createWebhook(s, await credential(req, s), req.params.slug, req.body);
      return reply.status(201).send({ webhook: webhookView(webhook), secret });
    },
  );

  app.get('/v1/forums/:slug/webhooks', { schema: { tags, params: SlugParams, response: answers({ 200: WebhooksAnswer }) } }, async (req) => ({
    webhooks: (await listWebhooks(s, await credential(req, s), req.params.slug)).map(webhookView),
  }));

  app.delete('/v1/forums/:slug/webhooks/:id', { schema: { tags, params: WebhookParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    await deleteWebhook(s, await credential(req, s), req.params.slug, req.params.id);
    return reply.status(204).send(null);
  });

  app.get(
    '/v1/forums/:slug/webhooks/:id/deliveries',
    { schema: { tags, params: WebhookParams, querystring: DeliveriesQuery, response: answers({ 200: DeliveriesAnswer }) } },
    async (req) => ({ deliveries: await listDeliveries(s, await credential(req, s), req.params.slug, req.params.id, req.query.limit) }),
  );

  app.post(
    '/v1/forums/:slug/webhooks/:id/replay',
    { schema: { tags, params: WebhookParams, body: ReplayBody, response: answers({ 202: QueuedAnswer }) } },
    async (req, reply) => {
      await requestReplay(s, await credential(req, s), req.params.slug, req.params.id, req.body.eventId);
      return reply.status(202).send({ queued: true });
    },
  );
};

export default webhookRoutes;
