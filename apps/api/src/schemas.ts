// Request schemas, one source for validation, types and the OpenAPI document. Unknown fields are
// refused (additionalProperties: false); domain rules with their own error codes (slug, message,
// email, ids, sort, limit, vote value) are checked by the domain so each gets its own message.
import { Type, type Static } from 'typebox';
import { flagReasons, maxFlagNoteLength, moderationActions, type FlagReason } from '@parley/domain';
import { ModerationSections } from '@parley/read';

const strict = { additionalProperties: false } as const;

/** A change to the moderation rules: any section, any field of it (a list is replaced whole). */
const sectionPatch = <K extends keyof typeof ModerationSections>(k: K) => Type.Optional(Type.Partial(ModerationSections[k], strict));
export const ModerationSettingsPatch = Type.Object(
  {
    bans: sectionPatch('bans'),
    blocklist: sectionPatch('blocklist'),
    links: sectionPatch('links'),
    newCommenter: sectionPatch('newCommenter'),
    spamHeuristics: sectionPatch('spamHeuristics'),
    akismet: sectionPatch('akismet'),
    flags: sectionPatch('flags'),
  },
  { ...strict, description: 'the moderation rules: sections and fields left out keep their value' },
);

export const ForumSettingsPatch = Type.Object(
  {
    editWindowSeconds: Type.Optional(Type.Integer()),
    preModeration: Type.Optional(Type.Boolean()),
    maxDepth: Type.Optional(Type.Integer()),
    allowedOrigins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 })),
    ssoJwksUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
    ssoAudience: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    erasedAuthorPosts: Type.Optional(Type.Union([Type.Literal('anonymize'), Type.Literal('remove')], { description: "a deleted account's posts: kept as a deleted user's (anonymize, the default) or removed" })),
    guestsMayPost: Type.Optional(Type.Boolean({ description: 'false: only signed-in readers may post (sign_in_required)' })),
    guestEmailRequired: Type.Optional(Type.Boolean({ description: 'false: a guest may leave the email out' })),
    moderation: Type.Optional(ModerationSettingsPatch),
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
    author: Type.Optional(Type.Object({ name: Type.String({ maxLength: 200 }), email: Type.Optional(Type.String({ maxLength: 300, description: 'required unless the forum sets guestEmailRequired false' })) }, strict)),
    notify: Type.Optional(Type.Boolean()),
    client: Type.Optional(Type.Object(
      {
        loadedMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'milliseconds from the widget loading to this post (moderation.spamHeuristics.minMsAfterWidgetLoad)' })),
        hp: Type.Optional(Type.String({ maxLength: 1000, description: 'the hidden honeypot field: empty from a person (moderation.spamHeuristics.honeypot)' })),
      },
      { ...strict, description: 'what only the widget knows, for the spam checks; API clients leave it out' },
    )),
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

// Accounts: profile, address verification, password reset (commands/accounts.ts)
export const ProfilePatch = Type.Object(
  {
    displayName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: '1 to 64 characters; null shows the username' })),
    avatarUrl: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()], { description: 'an absolute http(s) URL; null removes the picture' })),
    email: Type.Optional(Type.String({ maxLength: 300, description: 'a new address: unverified until the link mailed to it is followed' })),
    currentPassword: Type.Optional(Type.String({ maxLength: 1000, description: 'required with email' })),
  },
  strict,
);
export type ProfilePatch = Static<typeof ProfilePatch>;

export const AccountTokenBody = Type.Object({ token: Type.String({ maxLength: 200, description: 'the token of the emailed link (after #token=)' }) }, strict);
export type AccountTokenBody = Static<typeof AccountTokenBody>;

export const PasswordResetBody = Type.Object({ email: Type.String({ maxLength: 300 }) }, strict);
export type PasswordResetBody = Static<typeof PasswordResetBody>;

export const PasswordResetConfirmBody = Type.Object(
  { token: Type.String({ maxLength: 200, description: 'the token of the emailed link (after #token=)' }), password: Type.String({ maxLength: 1000 }) },
  strict,
);
export type PasswordResetConfirmBody = Static<typeof PasswordResetConfirmBody>;

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

// OpenID Connect sign-in (routes/oidc.ts)
export const OidcProviderParams = Type.Object({ provider: Type.String({ maxLength: 64, description: 'a provider id from GET /v1/oidc/providers' }) });
export const OidcStartQuery = Type.Object(
  {
    forum: Type.String({ maxLength: 64, description: 'the slug of the forum whose widget signs the reader in' }),
    mode: Type.Union([Type.Literal('popup'), Type.Literal('redirect')], {
      default: 'popup',
      description: 'popup: the callback page hands the session to the window that opened it; redirect: the browser comes back to returnTo with #parley_oidc=<code> (POST /v1/oidc/redeem)',
    }),
    returnTo: Type.Optional(Type.String({ maxLength: 2048, description: 'redirect mode: the page to come back to, on one of the forum\'s allowedOrigins' })),
  },
  strict,
);
export type OidcStartQuery = Static<typeof OidcStartQuery>;
export const OidcProvidersQuery = Type.Object({ forum: Type.Optional(Type.String({ maxLength: 64, description: 'a forum\'s slug: its own provider is listed too' })) }, strict);
export const OidcForumProviderBody = Type.Object(
  {
    issuer: Type.String({ maxLength: 2048, description: 'the provider\'s issuer identifier (https)' }),
    clientId: Type.String({ minLength: 1, maxLength: 512 }),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'never sent back; absent for a public client (PKCE only)' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'what the sign-in button says; default the forum\'s name' })),
  },
  strict,
);
export type OidcForumProviderBody = Static<typeof OidcForumProviderBody>;
export const OidcRedeemBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 128, description: 'the parley_oidc value of the page\'s fragment' }) }, strict);
export type OidcRedeemBody = Static<typeof OidcRedeemBody>;
// providers add parameters of their own to the callback (session_state, scope, …): all are taken
export const OidcCallbackQuery = Type.Object({
  state: Type.Optional(Type.String({ maxLength: 512 })),
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  iss: Type.Optional(Type.String({ maxLength: 2048 })),
});

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

/** DELETE /v1/users/me: a local account's password (re-authentication); an account without one sends nothing */
export const DeleteAccountBody = Type.Union([
  Type.Object({ password: Type.Optional(Type.String({ maxLength: 1024 })) }, strict),
  Type.Null(),
]);
export type DeleteAccountBody = Static<typeof DeleteAccountBody>;

/** POST /v1/personal-data/requests: a guest asks, by the address on their comments, for a link mailed to it */
export const GuestDataRequestBody = Type.Object(
  { email: Type.String({ maxLength: 300 }), action: Type.Union([Type.Literal('export'), Type.Literal('erase')], { description: 'export the comments under the address, or erase them' }) },
  strict,
);
export type GuestDataRequestBody = Static<typeof GuestDataRequestBody>;

/** POST /v1/posts/:postId/flags: a reader's report of a published comment */
export const FlagBody = Type.Object(
  {
    reason: Type.Unsafe<FlagReason>({ type: 'string', enum: [...flagReasons], description: 'why it should not be there' }),
    note: Type.Optional(Type.String({ maxLength: maxFlagNoteLength, description: 'for the moderators (never shown to anyone else)' })),
  },
  strict,
);
export type FlagBody = Static<typeof FlagBody>;
