// Events: a discriminated union with past-tense names. Every event row stores its type, a schema
// version and a snapshot of the row(s) the write returned. Bump a version when its snapshot's
// shape changes, and keep readers for every version still present in the log.
import type { Forum, PostRecord, Thread, User, VoteValue } from './model.ts';
import type { Webhook } from './webhooks.ts';

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
export type ThreadCreated = EventBase<'ThreadCreated', 1, Thread>;
export type PostCreated = EventBase<'PostCreated', 1, PostRecord>;
export type PostEdited = EventBase<'PostEdited', 1, PostRecord>;
export type PostApproved = EventBase<'PostApproved', 1, PostRecord>;
export type PostMarkedSpam = EventBase<'PostMarkedSpam', 1, PostRecord>;
export type PostDeleted = EventBase<'PostDeleted', 1, PostRecord>;
export type PostRestored = EventBase<'PostRestored', 1, PostRecord>;
/** `value` is the voter's vote now (0 = withdrawn), `delta` what it did to the score. */
export type VoteCast = EventBase<'VoteCast', 1, { post: PostRecord; value: VoteValue; delta: number }>;
/** Forum events (no thread): webhook configuration, and a moderator's request to deliver an event again. */
export type WebhookCreated = EventBase<'WebhookCreated', 1, Webhook>;
export type WebhookDeleted = EventBase<'WebhookDeleted', 1, Webhook>;
export type WebhookReplayRequested = EventBase<'WebhookReplayRequested', 1, { webhookId: string; eventId: string }>;

export type ParleyEvent =
  | ForumCreated
  | ForumUpdated
  | UserRegistered
  | UserUpdated
  | ThreadCreated
  | PostCreated
  | PostEdited
  | PostApproved
  | PostMarkedSpam
  | PostDeleted
  | PostRestored
  | VoteCast
  | WebhookCreated
  | WebhookDeleted
  | WebhookReplayRequested;

export type EventType = ParleyEvent['type'];

export const eventVersions: { [T in EventType]: Extract<ParleyEvent, { type: T }>['version'] } = {
  ForumCreated: 1,
  ForumUpdated: 1,
  UserRegistered: 1,
  UserUpdated: 1,
  ThreadCreated: 1,
  PostCreated: 1,
  PostEdited: 1,
  PostApproved: 1,
  PostMarkedSpam: 1,
  PostDeleted: 1,
  PostRestored: 1,
  VoteCast: 1,
  WebhookCreated: 1,
  WebhookDeleted: 1,
  WebhookReplayRequested: 1,
};

export const postEventTypes = ['PostCreated', 'PostEdited', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored'] as const;

/** The post an event is about, if any. */
export function postOf(event: ParleyEvent): PostRecord | undefined {
  switch (event.type) {
    case 'VoteCast':
      return event.snapshot.post;
    case 'PostCreated':
    case 'PostEdited':
    case 'PostApproved':
    case 'PostMarkedSpam':
    case 'PostDeleted':
    case 'PostRestored':
      return event.snapshot;
    default:
      return undefined;
  }
}

/** Builds an event with its current schema version. */
export const makeEvent = <E extends ParleyEvent>(type: E['type'], snapshot: E['snapshot']): E =>
  ({ type, version: eventVersions[type], snapshot }) as E;
