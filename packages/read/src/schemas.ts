// The read model's JSON as TypeBox schemas: the API's response schemas (and so its OpenAPI
// document) are built from these. The shapes themselves are the domain's view interfaces
// (packages/domain/src/views.ts); `Same` below fails the typecheck when a schema and its
// interface disagree in either direction, so neither can drift from the other.
//
// Fastify serializes a response through its schema (fast-json-stringify), which drops what the
// schema doesn't name and throws when no branch of an anyOf matches. So alternatives are written
// as JSON Schema type lists and enums (`nullable`, `oneOfStrings`), never as anyOf, except for the
// event union, which is rendered as text (render.ts) and only documented here.
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import {
  blocklistActions,
  eventVersions,
  postStatuses,
  reasonSources,
  threadStatuses,
  webhookEventTypes,
  type DeliveryView,
  type EventPage,
  type EventType,
  type EventView,
  type ForumView,
  type PostPage,
  type PostView,
  type ThreadView,
  type UserView,
  type WebhookView,
} from '@parley/domain';

const oneOfStrings = <T extends string>(values: readonly T[]): TUnsafe<T> => Type.Unsafe<T>({ type: 'string', enum: [...values] });
/** `schema` or null; `schema` must have a single `type` */
const nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as unknown as { type: string }).type, 'null'] });
const isoTime = Type.String({ format: 'date-time' });
/** closed objects: a field the schema doesn't name is one the serializer would drop */
const closed = { additionalProperties: false } as const;
/** ids are decimal bigints, sent as strings */
const id = Type.String({ pattern: '^[0-9]+$' });

/** Why a post was held, marked as spam or shadowed: a stable code to filter on, words for a moderator. */
export const ReasonSchema = Type.Object(
  { phase: oneOfStrings(reasonSources), code: Type.String(), detail: Type.String() },
  { ...closed, title: 'ModerationReason' },
);

export const PostModerationViewSchema = Type.Object(
  { reasons: Type.Array(ReasonSchema), flagCount: Type.Integer({ description: 'distinct readers who flagged it' }) },
  { ...closed, description: 'moderators only' },
);

export const PostViewSchema = Type.Object(
  {
    id,
    parentId: nullable(id),
    depth: Type.Integer(),
    author: nullable(
      Type.Object(
        {
          name: Type.String({ description: 'the name written with the post' }),
          profile: Type.Optional(
            Type.Object(
              { id, username: Type.String(), postCount: Type.Integer(), since: isoTime, avatarUrl: Type.Optional(Type.Union([Type.String(), Type.Null()])) },
              { ...closed, description: "a registered author's public profile, from the accounts partition" },
            ),
          ),
        },
        closed,
      ),
    ),
    html: Type.String(),
    status: oneOfStrings(postStatuses),
    score: Type.Integer(),
    replyCount: Type.Integer(),
    revision: Type.Integer(),
    createdAt: isoTime,
    editedAt: nullable(isoTime),
    tombstone: Type.Optional(Type.Literal(true, { description: 'a removed post kept in place because it has visible replies' })),
    moderation: Type.Optional(PostModerationViewSchema),
  },
  { ...closed, title: 'PostView', description: 'A post as this viewer may see it: the public sees a hidden post as a tombstone.' },
);

export const ThreadViewSchema = Type.Object(
  {
    pendingCount: Type.Optional(Type.Integer({ description: 'posts waiting for moderation: moderators only' })),
    id,
    forumId: id,
    identifier: Type.String(),
    url: nullable(Type.String()),
    title: nullable(Type.String()),
    status: oneOfStrings(threadStatuses),
    lastSeq: Type.Integer(),
    postCount: Type.Integer(),
    createdAt: isoTime,
  },
  { ...closed, title: 'ThreadView' },
);

const findingAction = Type.Union([Type.Literal('hold'), Type.Literal('spam')]);

/** The moderation rules, section by section (domain moderation/settings.ts); each section's fields are all present. */
export const ModerationSections = {
  bans: Type.Object({ enabled: Type.Boolean() }, closed),
  blocklist: Type.Object({
    enabled: Type.Boolean(),
    entries: Type.Array(Type.Object({
      kind: Type.Union([Type.Literal('word'), Type.Literal('domain')]),
      term: Type.String({ maxLength: 100 }),
      action: oneOfStrings(blocklistActions),
    }, closed), { maxItems: 1000 }),
  }, closed),
  links: Type.Object({ enabled: Type.Boolean(), maxLinks: Type.Integer(), newCommenterLinks: Type.Union([findingAction, Type.Literal('allow')]) }, closed),
  newCommenter: Type.Object({
    enabled: Type.Boolean(), minApprovedComments: Type.Integer(), minAccountAgeDays: Type.Integer(), holdFirstGuestEmail: Type.Boolean(),
  }, closed),
  spamHeuristics: Type.Object({
    enabled: Type.Boolean(),
    honeypot: Type.Boolean(),
    minMsAfterWidgetLoad: Type.Integer(),
    maxLinksPer100Words: Type.Integer(),
    repeatedTextCount: Type.Integer(),
    characterTricks: Type.Boolean(),
  }, closed),
  akismet: Type.Object({ enabled: Type.Boolean({ description: 'ask Akismet about comments the rules let through (needs PARLEY_AKISMET_KEY)' }) }, closed),
  flags: Type.Object({
    enabled: Type.Boolean({ description: 'readers may report comments' }),
    holdAfter: Type.Integer({ description: 'distinct readers whose reports send a published comment back to the queue (1 to 1000)' }),
  }, closed),
};

export const ModerationSettingsSchema = Type.Object(ModerationSections, { ...closed, title: 'ModerationSettings' });

export const ForumSettingsSchema = Type.Object({
  editWindowSeconds: Type.Integer(),
  preModeration: Type.Boolean(),
  maxDepth: Type.Integer(),
  allowedOrigins: Type.Array(Type.String()),
  ssoJwksUrl: Type.Union([Type.String(), Type.Null()]),
  ssoAudience: Type.Union([Type.String(), Type.Null()]),
  erasedAuthorPosts: Type.Union([Type.Literal('anonymize'), Type.Literal('remove')]),
  guestsMayPost: Type.Boolean(),
  guestEmailRequired: Type.Boolean(),
  moderation: Type.Optional(ModerationSettingsSchema),
}, closed);

export const ForumViewSchema = Type.Object(
  { id, slug: Type.String(), name: Type.String(), settings: ForumSettingsSchema, postCount: Type.Integer(), createdAt: isoTime },
  { ...closed, title: 'ForumView' },
);

const eventTypes = Object.keys(eventVersions) as EventType[];

export const HiddenEventViewSchema = Type.Object({ seq: Type.Integer(), type: Type.Literal('hidden'), postId: id }, { ...closed, title: 'HiddenEventView' });

export const VisibleEventViewSchema = Type.Object({
  seq: Type.Integer(),
  type: oneOfStrings(eventTypes),
  at: isoTime,
  post: Type.Optional(PostViewSchema),
  thread: Type.Optional(ThreadViewSchema),
  value: Type.Optional(Type.Integer({ description: 'VoteCast, moderators only: the vote now (0 = withdrawn)' })),
}, { ...closed, title: 'VisibleEventView' });

export const EventViewSchema = Type.Union([HiddenEventViewSchema, VisibleEventViewSchema], { title: 'EventView' });

export const PostPageSchema = Type.Object({ posts: Type.Array(PostViewSchema), nextCursor: nullable(Type.String()) }, closed);

export const EventPageSchema = Type.Object({ events: Type.Array(EventViewSchema), nextAfter: Type.Integer() }, closed);

export const UserViewSchema = Type.Object({
  id,
  username: Type.String(),
  displayName: Type.String({ description: 'the name to show: the display name, else the username' }),
  avatarUrl: nullable(Type.String()),
  emailVerified: Type.Boolean({ description: 'the account\'s current email address has been proven by a mailed link' }),
  createdAt: isoTime,
}, { ...closed, title: 'UserView' });

export const WebhookViewSchema = Type.Object({ id, url: Type.String(), events: Type.Array(oneOfStrings(webhookEventTypes)), createdAt: isoTime }, { ...closed, title: 'WebhookView' });

export const DeliveryViewSchema = Type.Object({
  id,
  eventId: id,
  attempt: Type.Integer(),
  status: oneOfStrings(['ok', 'failed'] as const),
  httpStatus: nullable(Type.Integer()),
  error: nullable(Type.String()),
  durationMs: Type.Integer(),
  at: isoTime,
}, closed);

export const CountsSchema = Type.Object({ counts: Type.Record(Type.String(), Type.Integer()) }, closed);

/** true when A and B are mutually assignable */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

// Each line fails to compile when a schema and its domain interface differ.
export type SchemasMatchViews = [
  Holds<Same<Static<typeof PostViewSchema>, PostView>>,
  Holds<Same<Static<typeof ThreadViewSchema>, ThreadView>>,
  Holds<Same<Static<typeof ForumViewSchema>, ForumView>>,
  Holds<Same<Static<typeof EventViewSchema>, EventView>>,
  Holds<Same<Static<typeof PostPageSchema>, PostPage>>,
  Holds<Same<Static<typeof EventPageSchema>, EventPage>>,
  Holds<Same<Static<typeof UserViewSchema>, UserView>>,
  Holds<Same<Static<typeof WebhookViewSchema>, WebhookView>>,
  Holds<Same<Static<typeof DeliveryViewSchema>, DeliveryView>>,
];
