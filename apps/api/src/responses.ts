// Response schemas: what each route answers, built from the read model's view schemas
// (@parley/read), so the OpenAPI document describes every body and fastify serializes through
// them. Every field a client receives must be named here: the serializer drops the rest.
import { Type, type Static, type TSchema } from 'typebox';
import { errorCodes, flagReasons, type ErrorCode, type FlagReason, type ParleyError } from '@parley/domain';
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
/** a comment's source text, for its author's editor (GET /v1/posts/:postId/source) */
export const PostSourceAnswer = Type.Object({ message: Type.String(), revision: Type.Integer({ minimum: 1 }) });
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
/** The signed-in user's own account: the public view, plus what only its owner sees. */
export const AccountAnswer = Type.Object({
  user: UserViewSchema,
  email: Type.String({ description: 'the account\'s address (only its owner sees it)' }),
  sso: Type.Boolean({ description: 'signed in by a forum\'s site: the profile is the site\'s and cannot be changed here' }),
});
export const AcceptedAnswer = Type.Object({ accepted: Type.Literal(true) }, { description: 'taken; any email follows from the worker' });
export const UserAnswer = Type.Object({ user: UserViewSchema });
export const OidcProvidersAnswer = Type.Object({ providers: Type.Array(Type.Object({ id: Type.String(), name: Type.String({ description: 'what the sign-in button says' }) })) });
export const OidcForumProviderAnswer = Type.Object({
  provider: Type.Object({ id: Type.Literal('site'), name: Type.String(), issuer: Type.String(), clientId: Type.String() }, { description: 'the forum\'s own provider (never its secret); its sign-in routes are /v1/oidc/site/…' }),
});
export const OidcRedirect = Type.Null({ description: 'a redirect (302) to the provider\'s sign-in page (Location)' });
export const OidcRedirectBack = Type.Null({ description: 'redirect mode: back to returnTo with #parley_oidc=<code> (redeem it with POST /v1/oidc/redeem) or #parley_oidc_error=<error code>' });
export const OidcSessionAnswer = Type.Object(
  { type: Type.Literal('parley:session'), user: UserViewSchema, token: Type.String({ description: 'a session token; shown once' }) },
  { description: 'to a browser (Accept: text/html) an HTML page that posts this object to the window that opened it (postMessage to the API\'s own origin) and closes; a refusal posts {type: "parley:error", code, message}' },
);
export const SsoSecretAnswer = Type.Object({ secret: Type.String({ description: 'the forum\'s single sign-on secret; shown once, replaces the previous one' }) });
export const CreatedWebhookAnswer = Type.Object({ webhook: WebhookViewSchema, secret: Type.String({ description: 'signs deliveries; shown once' }) });
export const WebhooksAnswer = Type.Object({ webhooks: Type.Array(WebhookViewSchema) });
export const DeliveriesAnswer = Type.Object({ deliveries: Type.Array(DeliveryViewSchema) });
export const QueuedAnswer = Type.Object({ queued: Type.Literal(true) });
export const UnsubscribedAnswer = Type.Object({ unsubscribed: Type.Literal(true), email: Type.String() });
export const NoContent = Type.Null({ description: 'no body' });
export const ErasureAnswer = Type.Object({
  erasure: Type.Object({
    id: Type.String({ description: 'the erasure job that takes the posts and scrubs the event log' }),
    status: Type.Literal('running'),
  }),
});
/** GET /v1/users/me/export: streamed, so fastify never serializes it; this describes it for the OpenAPI document */
export const PersonalDataExport = Type.Object(
  {
    format: Type.Literal('parley-personal-data/1'),
    exportedAt: Type.String({ format: 'date-time' }),
    account: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    guest: Type.Optional(Type.Object({ email: Type.String() })),
    sessions: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    identities: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    roles: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    posts: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'every post, with its revisions (creation and edit snapshots)' }),
    votes: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    emailLog: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    accountEmailLog: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    unsubscribes: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: 'one JSON document, streamed (Content-Disposition: attachment)' },
);

const flagReason = Type.Unsafe<FlagReason>({ type: 'string', enum: [...flagReasons] });
/** POST /v1/posts/:postId/flags: the reader's own report (their first, when they had reported it already) */
export const FlagAnswer = Type.Object({
  flag: Type.Object({ reason: flagReason, note: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String({ format: 'date-time' }) }),
});
/** GET /v1/posts/:postId/flags: a comment's reports for its moderators; a reporter by user id when signed in */
export const FlagsAnswer = Type.Object({
  flags: Type.Array(Type.Object({
    reason: flagReason,
    note: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    reporterUserId: Type.Union([Type.String(), Type.Null()], { description: 'a signed-in reporter; null for a guest' }),
  })),
  more: Type.Boolean({ description: 'more reports than the 200 newest listed' }),
});
