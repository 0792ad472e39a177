// Events: a discriminated union with past-tense names. Every event row stores its type, a schema
// version and a snapshot of the row(s) the write returned. Bump a version when its snapshot's
// shape changes, and keep readers for every version still present in the log.
import type { Forum, PostRecord, Thread, User, VoteValue } from './model.ts';
import type { AccountEmailRequest } from './account-email.ts';
import type { Webhook } from './webhooks.ts';
import type { GuestErasure, UserErasure } from './erasure.ts';
import type { ForumRoleRecord } from './roles.ts';
import type { ForumInviteCancellation, UserForumLink } from './user-links.ts';
import type { PostFlaggedSnapshot } from './flags.ts';
import type { BanRecord } from './moderation/ban-record.ts';

interface EventBase<T extends string, V extends number, S> {
  type: T;
  version: V;
  snapshot: S;
}

export type ForumCreated = EventBase<'ForumCreated', 1, Forum>;
export type ForumUpdated = EventBase<'ForumUpdated', 1, Forum>;
export type UserRegistered = EventBase<'UserRegistered', 1, User>;
/** A user's profile changed (an SSO sign-in brought another name or picture). */
export type UserUpdated = EventBase<'UserUpdated', 1, User>;
/** A one-time link is to be mailed (verify an address, reset a password, ...): account-email.ts. */
export type AccountEmailRequested = EventBase<'AccountEmailRequested', 1, AccountEmailRequest>;
/**
 * Someone asked for a password reset at an address, known or not (the same write for any, so
 * the answer tells nothing); the worker mails a link to each local account there.
 */
export type PasswordResetRequested = EventBase<'PasswordResetRequested', 1, { email: string }>;
/** A user followed the link mailed to their address. */
export type UserEmailVerified = EventBase<'UserEmailVerified', 1, User>;
/** A user set a new password through a reset link; every session of theirs ended. */
export type UserPasswordReset = EventBase<'UserPasswordReset', 1, User>;
/** A user deleted their account (docs/adr/0011): the account is gone; the erasure job cleans their posts and the log. */
export type UserErased = EventBase<'UserErased', 1, UserErasure>;
/** A guest confirmed (by the link mailed to them) that the posts under their address are to be erased. */
export type GuestErasureRequested = EventBase<'GuestErasureRequested', 1, GuestErasure>;
export type ThreadCreated = EventBase<'ThreadCreated', 1, Thread>;
export type PostCreated = EventBase<'PostCreated', 1, PostRecord>;
export type PostEdited = EventBase<'PostEdited', 1, PostRecord>;
export type PostApproved = EventBase<'PostApproved', 1, PostRecord>;
export type PostMarkedSpam = EventBase<'PostMarkedSpam', 1, PostRecord>;
export type PostDeleted = EventBase<'PostDeleted', 1, PostRecord>;
export type PostRestored = EventBase<'PostRestored', 1, PostRecord>;
/** A published post went back to the moderation queue (readers flagged it, or a moderator held it). */
export type PostHeld = EventBase<'PostHeld', 1, PostRecord>;
/** A post was shadowed: its author still sees it, nobody else does (a shadow ban). */
export type PostShadowed = EventBase<'PostShadowed', 1, PostRecord>;
/** The post's author was erased and the forum keeps their posts: the post as a deleted user's. */
export type PostAuthorErased = EventBase<'PostAuthorErased', 1, PostRecord>;
/** A reader reported a published post (one reader counts once); who reported it is the event's actor, never in the snapshot. */
export type PostFlagged = EventBase<'PostFlagged', 1, PostFlaggedSnapshot>;
/** `value` is the voter's vote now (0 = withdrawn), `delta` what it did to the score. */
export type VoteCast = EventBase<'VoteCast', 1, { post: PostRecord; value: VoteValue; delta: number }>;
/** Forum events (no thread): webhook configuration, and a moderator's request to deliver an event again. */
export type WebhookCreated = EventBase<'WebhookCreated', 1, Webhook>;
export type WebhookDeleted = EventBase<'WebhookDeleted', 1, Webhook>;
export type WebhookReplayRequested = EventBase<'WebhookReplayRequested', 1, { webhookId: string; eventId: string }>;
/** An account got a role in a forum (or another role): the role as granted. */
export type ForumRoleGranted = EventBase<'ForumRoleGranted', 1, ForumRoleRecord>;
/** An account's role in a forum was removed: the role as it was. */
export type ForumRoleRevoked = EventBase<'ForumRoleRevoked', 1, ForumRoleRecord>;
/** An owner (or the admin) cancelled an invitation to a role before it was used: its link is refused. */
export type ForumInviteCancelled = EventBase<'ForumInviteCancelled', 1, ForumInviteCancellation>;
/** The admin let a user another forum's site signed in take part in this forum. */
export type UserForumLinked = EventBase<'UserForumLinked', 1, UserForumLink>;
/** The admin removed that link: the user takes part in its own forum only again. */
export type UserForumUnlinked = EventBase<'UserForumUnlinked', 1, UserForumLink>;
/** A moderator (or the admin, for the whole instance) banned, suspended or shadow-banned someone: the ban as made. */
export type BanCreated = EventBase<'BanCreated', 1, BanRecord>;
/** A ban was lifted before its expiry: the ban as it was then. */
export type BanLifted = EventBase<'BanLifted', 1, BanRecord>;

export type ParleyEvent =
  | ForumCreated
  | ForumUpdated
  | UserRegistered
  | UserUpdated
  | AccountEmailRequested
  | PasswordResetRequested
  | UserEmailVerified
  | UserPasswordReset
  | UserErased
  | GuestErasureRequested
  | ThreadCreated
  | PostCreated
  | PostEdited
  | PostApproved
  | PostMarkedSpam
  | PostDeleted
  | PostRestored
  | PostHeld
  | PostShadowed
  | PostAuthorErased
  | PostFlagged
  | VoteCast
  | WebhookCreated
  | WebhookDeleted
  | WebhookReplayRequested
  | ForumRoleGranted
  | ForumRoleRevoked
  | ForumInviteCancelled
  | UserForumLinked
  | UserForumUnlinked
  | BanCreated
  | BanLifted;

export type EventType = ParleyEvent['type'];

export const eventVersions: { [T in EventType]: Extract<ParleyEvent, { type: T }>['version'] } = {
  ForumCreated: 1,
  ForumUpdated: 1,
  UserRegistered: 1,
  UserUpdated: 1,
  AccountEmailRequested: 1,
  PasswordResetRequested: 1,
  UserEmailVerified: 1,
  UserPasswordReset: 1,
  UserErased: 1,
  GuestErasureRequested: 1,
  ThreadCreated: 1,
  PostCreated: 1,
  PostEdited: 1,
  PostApproved: 1,
  PostMarkedSpam: 1,
  PostDeleted: 1,
  PostRestored: 1,
  PostHeld: 1,
  PostShadowed: 1,
  PostAuthorErased: 1,
  PostFlagged: 1,
  VoteCast: 1,
  WebhookCreated: 1,
  WebhookDeleted: 1,
  WebhookReplayRequested: 1,
  ForumRoleGranted: 1,
  ForumRoleRevoked: 1,
  ForumInviteCancelled: 1,
  UserForumLinked: 1,
  UserForumUnlinked: 1,
  BanCreated: 1,
  BanLifted: 1,
};

export const postEventTypes = ['PostCreated', 'PostEdited', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored', 'PostHeld', 'PostShadowed', 'PostAuthorErased'] as const;

/** The post an event is about, if any. */
export function postOf(event: ParleyEvent): PostRecord | undefined {
  switch (event.type) {
    case 'VoteCast':
    case 'PostFlagged':
      return event.snapshot.post;
    case 'PostCreated':
    case 'PostEdited':
    case 'PostApproved':
    case 'PostMarkedSpam':
    case 'PostDeleted':
    case 'PostRestored':
    case 'PostHeld':
    case 'PostShadowed':
    case 'PostAuthorErased':
      return event.snapshot;
    default:
      return undefined;
  }
}

/** Builds an event with its current schema version. */
export const makeEvent = <E extends ParleyEvent>(type: E['type'], snapshot: E['snapshot']): E =>
  ({ type, version: eventVersions[type], snapshot }) as E;
