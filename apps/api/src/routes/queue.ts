// The moderation queue, its bulk actions and the moderation log (docs/api.md, "Moderation queue"):
// for the forum's moderators only, never cached.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { moderationActions, queueNames, type QueueItemView, type QueueName as QueueNameType } from '@parley/domain';
import { PostViewSchema, ReasonSchema, type Same } from '@parley/read';
import { credential } from '../auth.ts';
import { moderationLog, type LogEntry } from '../commands/moderation-log.ts';
import { bulkModerate, listQueue } from '../commands/queue.ts';
import { answers } from '../responses.ts';
import { SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const strict = { additionalProperties: false } as const;
// as @parley/read writes them: enums and type lists, never anyOf (the serializer's rule)
const oneOf = <T extends string>(xs: readonly T[]): TUnsafe<T> => Type.Unsafe<T>({ type: 'string', enum: [...xs] });
const nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as unknown as { type: string }).type, 'null'] });
const QueueName = oneOf(queueNames);

const QueueQuery = Type.Object(
  {
    status: Type.Optional(QueueName),
    reason: Type.Optional(Type.String({ maxLength: 100 })),
    threadId: Type.Optional(Type.String({ maxLength: 40 })),
    author: Type.Optional(Type.String({ maxLength: 254 })),
    cursor: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer()),
  },
  strict,
);

export const QueueItemSchema = Type.Object(
  {
    ...PostViewSchema.properties,
    queue: Type.Unsafe<QueueNameType | null>({ type: ['string', 'null'], enum: [...queueNames, null] }),
    threadId: Type.String(),
    thread: Type.Object({ identifier: Type.String(), title: nullable(Type.String()), url: nullable(Type.String()) }, strict),
    authorUserId: nullable(Type.String()),
    authorEmail: nullable(Type.String({ description: "a guest's email; moderators only" })),
  },
  { ...strict, title: 'QueueItem' },
);
type Holds<T extends true> = T;
/** fails to compile when the domain's item and this schema differ */
export type QueueItemMatches = Holds<Same<Static<typeof QueueItemSchema>, QueueItemView>>;

const QueueAnswer = Type.Object({ items: Type.Array(QueueItemSchema), nextCursor: nullable(Type.String()) });

const BulkBody = Type.Object({ action: oneOf(moderationActions), postIds: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 100 }) }, strict);
const BulkAnswer = Type.Object({
  results: Type.Array(
    Type.Object({
      postId: Type.String(),
      status: Type.Optional(Type.String({ description: "the post's status after the action" })),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
});

const LogQuery = Type.Object(
  { actor: Type.Optional(Type.String({ maxLength: 200 })), type: Type.Optional(Type.String({ maxLength: 60 })), cursor: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer()) },
  strict,
);
const LogEntrySchema = Type.Object(
  {
    id: Type.String({ description: 'opaque, unique within the forum\'s log' }),
    type: Type.String(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({ description: 'as the event log names actors: admin, user:<id>, moderator:<forum id>, guest:…, system' }),
    postId: nullable(Type.String()),
    threadId: nullable(Type.String()),
    status: Type.Optional(Type.String()),
    reasons: Type.Optional(Type.Array(ReasonSchema)),
    userId: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    ban: Type.Optional(Type.Object(
      {
        id: Type.String(),
        kind: Type.String(),
        value: nullable(Type.String({ description: 'null when the ban came from a comment and names its author\'s email or address' })),
        mode: Type.String(),
        reason: Type.String(),
        expiresAt: nullable(Type.String({ format: 'date-time' })),
        postId: nullable(Type.String()),
      },
      strict,
    )),
  },
  strict,
);
export type LogEntryMatches = Holds<Same<Static<typeof LogEntrySchema>, Omit<LogEntry, 'type' | 'status'> & { type: string; status?: string }>>;
const LogAnswer = Type.Object({ entries: Type.Array(LogEntrySchema), nextCursor: nullable(Type.String()) });

const tags = ['moderation'];

const queueRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.get('/v1/forums/:slug/queue', { schema: { tags, params: SlugParams, querystring: QueueQuery, response: answers({ 200: QueueAnswer }) } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return listQueue(s, await credential(req, s), req.params.slug, req.query);
  });

  app.post('/v1/forums/:slug/queue/actions', { schema: { tags, params: SlugParams, body: BulkBody, response: answers({ 200: BulkAnswer }) } }, async (req) => ({
    results: await bulkModerate(s, await credential(req, s), req.params.slug, req.body.action, req.body.postIds),
  }));

  app.get('/v1/forums/:slug/moderation-log', { schema: { tags, params: SlugParams, querystring: LogQuery, response: answers({ 200: LogAnswer }) } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return moderationLog(s, await credential(req, s), req.params.slug, req.query);
  });
};

export default queueRoutes;
