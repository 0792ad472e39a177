// Response schemas: what each route answers, built from the read model's view schemas
// (@parley/read), so the OpenAPI document describes every body and fastify serializes through
// them. Every field a client receives must be named here: the serializer drops the rest.
import { Type, type Static, type TSchema } from 'typebox';
import { errorCodes, type ErrorCode, type ParleyError } from '@parley/domain';
import {
  CountsSchema,
  DeliveryViewSchema,
  EventPageSchema,
  ForumViewSchema,
  PostPageSchema,
  PostViewSchema,
  ThreadViewSchema,
  UserViewSchema,
  WebhookViewSchema,
  type Same,
} from '@parley/read';

/** `{"error": {"code", "message", "details"}}`: every refusal, from every route */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({ type: 'string', enum: Object.keys(errorCodes), description: 'stable: see docs/api.md' }),
      message: Type.String({ description: 'for people; may change' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { title: 'Error' },
);
type Holds<T extends true> = T;
/** fails to compile when the schema and ParleyError's JSON differ */
export type ErrorBodyMatchesParleyError = Holds<Same<Static<typeof ErrorBody>, ReturnType<ParleyError['toJSON']>>>;

const refusals = { '4xx': ErrorBody, '5xx': ErrorBody };

/** A route's response map: its success bodies by status, plus the error body for the rest. */
export const answers = <R extends Record<number, TSchema>>(ok: R) => ({ ...ok, ...refusals });

export const ForumAnswer = Type.Object({ forum: ForumViewSchema });
export const CreatedForumAnswer = Type.Object({ forum: ForumViewSchema, moderatorKey: Type.String({ description: 'shown once' }) });
export const ThreadAnswer = Type.Object({ thread: ThreadViewSchema });
export const PostAnswer = Type.Object({ post: PostViewSchema });
export const CreatedPostAnswer = Type.Object({
  post: PostViewSchema,
  editToken: Type.Optional(Type.String({ description: "a guest's token to edit or delete this comment; shown once" })),
});
export const PostPageAnswer = PostPageSchema;
export const EventPageAnswer = EventPageSchema;
export const CountsAnswer = CountsSchema;
export const SessionAnswer = Type.Object({ user: UserViewSchema, token: Type.String({ description: 'a session token; shown once' }) });
export const SsoAnswer = Type.Union([
  SessionAnswer,
  Type.Object({ user: Type.Null(), token: Type.Null() }, { description: 'the site signed nobody in (the signed empty object): the reader is signed out' }),
]);
export const SessionsAnswer = Type.Object({
  sessions: Type.Array(Type.Object({
    id: Type.String({ description: 'names the session (DELETE /v1/sessions/:id); not a token' }),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    current: Type.Boolean({ description: 'the session of this request' }),
  })),
});
export const SsoSecretAnswer = Type.Object({ secret: Type.String({ description: 'the forum\'s single sign-on secret; shown once, replaces the previous one' }) });
export const CreatedWebhookAnswer = Type.Object({ webhook: WebhookViewSchema, secret: Type.String({ description: 'signs deliveries; shown once' }) });
export const WebhooksAnswer = Type.Object({ webhooks: Type.Array(WebhookViewSchema) });
export const DeliveriesAnswer = Type.Object({ deliveries: Type.Array(DeliveryViewSchema) });
export const QueuedAnswer = Type.Object({ queued: Type.Literal(true) });
export const UnsubscribedAnswer = Type.Object({ unsubscribed: Type.Literal(true), email: Type.String() });
export const NoContent = Type.Null({ description: 'no body' });
