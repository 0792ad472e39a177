// Request schemas, one source for validation, types and the OpenAPI document. Unknown fields are
// refused (additionalProperties: false); domain rules with their own error codes (slug, message,
// email, ids, sort, limit, vote value) are checked by the domain so each gets its own message.
import { Type, type Static } from 'typebox';
import { moderationActions } from '@parley/domain';

const strict = { additionalProperties: false } as const;

export const ForumSettingsPatch = Type.Object(
  {
    editWindowSeconds: Type.Optional(Type.Integer()),
    preModeration: Type.Optional(Type.Boolean()),
    maxDepth: Type.Optional(Type.Integer()),
    allowedOrigins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 })),
    ssoJwksUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
    ssoAudience: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  },
  strict,
);

export const CreateForumBody = Type.Object(
  {
    slug: Type.String(),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    settings: Type.Optional(ForumSettingsPatch),
    /** pins the forum to a content shard; without it the forum is placed by its slug */
    shard: Type.Optional(Type.Integer({ minimum: 0, maximum: 32767 })),
  },
  strict,
);
export type CreateForumBody = Static<typeof CreateForumBody>;

export const PatchForumBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), settings: Type.Optional(ForumSettingsPatch) },
  strict,
);
export type PatchForumBody = Static<typeof PatchForumBody>;

export const SlugParams = Type.Object({ slug: Type.String() });
export const ThreadParams = Type.Object({ threadId: Type.String() });
export const PostParams = Type.Object({ postId: Type.String() });

export const CreateThreadBody = Type.Object(
  {
    identifier: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    title: Type.Optional(Type.String({ maxLength: 300 })),
  },
  strict,
);
export type CreateThreadBody = Static<typeof CreateThreadBody>;

export const ListPostsQuery = Type.Object(
  { sort: Type.Optional(Type.String()), cursor: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer()) },
  strict,
);
export type ListPostsQuery = Static<typeof ListPostsQuery>;

export const EventsQuery = Type.Object(
  { after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })), limit: Type.Optional(Type.Integer()) },
  strict,
);
export type EventsQuery = Static<typeof EventsQuery>;

export const CreatePostBody = Type.Object(
  {
    message: Type.String(),
    parentId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    author: Type.Optional(Type.Object({ name: Type.String({ maxLength: 200 }), email: Type.String({ maxLength: 300 }) }, strict)),
    notify: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type CreatePostBody = Static<typeof CreatePostBody>;

export const EditPostBody = Type.Object({ message: Type.String() }, strict);
export type EditPostBody = Static<typeof EditPostBody>;

export const VoteBody = Type.Object({ value: Type.Integer() }, strict);
export type VoteBody = Static<typeof VoteBody>;

export const CreateUserBody = Type.Object(
  { username: Type.String({ maxLength: 64 }), email: Type.String({ maxLength: 300 }), password: Type.String({ maxLength: 1000 }) },
  strict,
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const CreateSessionBody = Type.Object(
  { username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 1000 }) },
  strict,
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const SessionParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'a session id from GET /v1/sessions, or `current`' }) });

export const DisqusSsoBody = Type.Object(
  {
    forum: Type.String({ maxLength: 64, description: 'the forum\'s slug' }),
    remoteAuth: Type.String({ maxLength: 8192, description: 'the site\'s remote_auth_s3 value: "<base64 JSON> <HMAC-SHA1 hex> <timestamp>"' }),
  },
  strict,
);
export type DisqusSsoBody = Static<typeof DisqusSsoBody>;

export const JwtSsoBody = Type.Object(
  {
    forum: Type.String({ maxLength: 64, description: 'the forum\'s slug' }),
    token: Type.String({ maxLength: 8192, description: 'a JWT the site signed: HS256 with the forum\'s SSO secret, or RS256 / ES256 by its JWKS (ssoJwksUrl)' }),
  },
  strict,
);
export type JwtSsoBody = Static<typeof JwtSsoBody>;

export const ModerationParams = Type.Object({
  postId: Type.String(),
  // the domain's transitions table names the actions
  action: Type.Union(moderationActions.map((a) => Type.Literal(a))),
});

export const CountsBody = Type.Object(
  { forum: Type.String(), identifiers: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 }) },
  strict,
);
export type CountsBody = Static<typeof CountsBody>;
