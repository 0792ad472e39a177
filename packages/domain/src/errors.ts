// The error registry: every error a client can see has a stable code, an HTTP status and a
// message a person can act on. `details` may go to the client; `internal` only to the log.

export const errorCodes = {
  // request shape (400)
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request does not match the expected shape.' },
  unknown_field: { status: 400, message: 'The request has a field this endpoint does not take.' },
  missing_field: { status: 400, message: 'The request is missing a required field.' },
  invalid_field: { status: 400, message: 'A field in the request has the wrong type or value.' },
  invalid_text: { status: 400, message: 'Text cannot contain a NUL character (U+0000) or a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape); remove it and send again.' },
  invalid_sort: { status: 400, message: 'sort must be oldest, newest or top.' },
  invalid_limit: { status: 400, message: 'limit is out of range.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  headers_too_large: { status: 431, message: 'The request line and headers are too large (16 KB at most); send a shorter URL or fewer headers.' },
  request_timeout: { status: 408, message: 'The request took too long to arrive; send it again in one go.' },
  invalid_slug: { status: 400, message: 'A forum slug is 2 to 64 characters of lowercase letters, digits and hyphens.' },
  invalid_settings: { status: 400, message: 'The forum settings are not valid.' },
  invalid_id: { status: 400, message: 'That id is not valid.' },
  message_empty: { status: 400, message: 'Write a comment before posting.' },
  message_too_long: { status: 400, message: 'The comment is too long.' },
  invalid_email: { status: 400, message: 'That email address does not look right.' },
  invalid_author: { status: 400, message: 'Give your name (and an email address) to comment as a guest, or sign in.' },
  name_required: { status: 400, message: 'A name is missing: give the name to show with your comment, or sign in.' },
  email_required: { status: 400, message: 'An email address is missing: this forum asks guests for one (it is never shown), or sign in.' },
  invalid_username: { status: 400, message: 'A username is 2 to 32 characters of letters, digits, underscores and hyphens.' },
  weak_password: { status: 400, message: 'A password needs at least 8 characters.' },
  invalid_display_name: { status: 400, message: 'A display name is 1 to 64 characters, without control characters; send null to show your username instead.' },
  invalid_avatar_url: { status: 400, message: 'An avatar URL is an absolute http or https URL of at most 2048 characters; send null to remove it.' },
  invalid_account_token: { status: 400, message: 'This link is not valid, was used already or has expired; ask for a new one (sign in and resend the verification, or request the password reset again).' },
  password_required: { status: 400, message: 'Changing the email address needs your current password (currentPassword).' },
  invalid_cursor: { status: 400, message: 'That page cursor is not valid; start again from the first page.' },
  invalid_vote: { status: 400, message: 'A vote is 1, -1 or 0.' },
  invalid_voter: { status: 400, message: 'Sign in to vote, or send a guest voter key (X-Parley-Voter, 16 to 128 characters).' },
  invalid_unsubscribe_token: { status: 400, message: 'This unsubscribe link is not valid; copy the whole link from the email, or use the link in a newer email.' },
  invalid_webhook_url: { status: 400, message: 'The webhook url must be an absolute http or https URL.' },
  invalid_webhook_events: { status: 400, message: 'events must be a non-empty list of event types.' },
  invalid_sso: { status: 400, message: 'The single sign-on value is not in the remote_auth_s3 form: "<base64 JSON> <HMAC-SHA1 hex> <timestamp>".' },
  invalid_ban: { status: 400, message: 'The ban is not valid: give {kind, value} or {postId}, a mode (ban or shadow), and at most one of expiresAt and durationSeconds.' },
  sso_not_configured: { status: 400, message: 'This forum has no single sign-on secret; its moderators can create one (POST /v1/forums/:slug/sso-secret).' },
  // identity (401/403)
  unauthorized: { status: 401, message: 'This needs a valid credential in the Authorization header (Bearer <token>).' },
  invalid_credentials: { status: 401, message: 'That username and password do not match.' },
  forbidden: { status: 403, message: 'This credential is not allowed to do that.' },
  sign_in_required: { status: 401, message: 'This forum takes comments from signed-in readers only; sign in (or sign up) first.' },
  sso_signature_invalid: { status: 401, message: 'The single sign-on signature does not match this forum\'s secret; sign the value with the secret of the forum it is sent to.' },
  sso_expired: { status: 401, message: 'The single sign-on timestamp is outside the accepted window; sign a fresh value on each page load.' },
  sso_wrong_audience: { status: 401, message: 'The single sign-on token is for another audience; its aud must be the forum\'s ssoAudience setting (by default its slug).' },
  sso_keys_unavailable: { status: 503, message: 'The site\'s single sign-on keys (its JWKS URL) could not be fetched; try again shortly.' },
  // OpenID Connect sign-in (the pages of the flow answer these as an HTML page to a browser)
  oidc_provider_not_found: { status: 404, message: 'This server has no sign-in provider with that id; list them with GET /v1/oidc/providers.' },
  oidc_state_invalid: { status: 400, message: 'This sign-in return does not belong to a sign-in started in this browser, or was used already; start signing in again.' },
  oidc_code_invalid: { status: 400, message: 'This sign-in code is not valid, was used already or has expired (it lasts a minute); sign in again.' },
  oidc_flow_expired: { status: 400, message: 'This sign-in took too long to come back from the provider; start signing in again.' },
  oidc_denied: { status: 403, message: 'Sign-in was cancelled or refused at the provider; start again to sign in.' },
  oidc_login_failed: { status: 401, message: 'The provider did not confirm this sign-in (its code or ID token was refused); start signing in again.' },
  oidc_provider_unavailable: { status: 503, message: 'The sign-in provider could not be reached or answered with an error; try again shortly.' },
  origin_not_allowed: { status: 403, message: 'This site is not allowed to use this forum; add its origin to the forum\'s allowedOrigins.' },
  flags_disabled: { status: 403, message: 'This forum does not take reports of comments; write to its moderators instead.' },
  edit_window_closed: { status: 403, message: 'The time to edit this comment has passed.' },
  reauthentication_required: { status: 403, message: 'Deleting your account needs your password (password); an account without one must have signed in within the last 10 minutes: sign in again, then delete it.' },
  sso_profile_readonly: { status: 403, message: 'This account comes from a site\'s single sign-on: its name, picture and email are the site\'s; change them there.' },
  // missing things (404)
  route_not_found: { status: 404, message: 'There is no such endpoint.' },
  forum_not_found: { status: 404, message: 'There is no forum with that slug.' },
  thread_not_found: { status: 404, message: 'There is no thread with that id.' },
  post_not_found: { status: 404, message: 'There is no comment with that id.' },
  session_not_found: { status: 404, message: 'You have no session with that id (it may have ended already); list yours with GET /v1/sessions.' },
  parent_not_found: { status: 404, message: 'The comment you are replying to does not exist.' },
  ban_not_found: { status: 404, message: 'There is no ban with that id here; list the bans with GET /v1/forums/:slug/bans (or GET /v1/admin/bans for the instance\'s).' },
  webhook_not_found: { status: 404, message: 'This forum has no webhook with that id.' },
  role_not_found: { status: 404, message: 'That account has no role in this forum; list the forum\'s roles with GET /v1/forums/:slug/roles.' },
  invite_not_found: { status: 404, message: 'This forum has no open invitation with that id (it may have been used, cancelled or have expired); list them with GET /v1/forums/:slug/invites.' },
  link_not_found: { status: 404, message: 'That user is not linked to this forum; list a user\'s links with GET /v1/admin/users/:userId/forums.' },
  sso_user_not_found: { status: 404, message: 'There is no user a site signed in (single sign-on) with that id. Parley\'s own accounts take part in every forum and need no link.' },
  account_not_found: { status: 404, message: 'There is no Parley account with that id. Roles go to Parley accounts only, never to users a site signed in (single sign-on).' },
  event_not_found: { status: 404, message: 'This forum has no event with that id that a webhook can deliver.' },
  widget_not_found: { status: 404, message: 'This server does not serve the widget; it serves /widget/parley.js, parley.css and count.js once the widget is built (npm start builds it).' },
  // state conflicts (409/422)
  slug_taken: { status: 409, message: 'A forum with that slug already exists.' },
  shard_not_found: { status: 422, message: 'The database topology has no content shard with that number; leave shard out to have the forum placed.' },
  username_taken: { status: 409, message: 'That username is taken.' },
  link_to_own_forum: { status: 409, message: 'That user was signed in by this forum\'s own site: it takes part here already.' },
  last_owner: { status: 409, message: 'You are this forum\'s last owner: make another account owner first, then leave or step down.' },
  ban_already_lifted: { status: 409, message: 'This ban was lifted already; nothing changed.' },
  ban_limit_reached: { status: 409, message: 'This forum has as many bans in force as it may (PARLEY_BANS_ACTIVE_MAX); lift some, or let suspensions expire, first.' },
  ban_target_unknown: { status: 422, message: 'That comment\'s author cannot be banned by the comment: it keeps no account or email of its author (a guest without email, or an erased author). Ban an address instead, or pass includeAddress.' },
  thread_closed: { status: 409, message: 'This thread is closed to new comments.' },
  backtest_running: { status: 409, message: 'A backtest of this forum is running already; wait for it to finish (or cancel it), then start another.' },
  // moderation pipeline rejections (packages/domain/src/moderation)
  author_banned: { status: 403, message: 'You are banned from commenting in this forum (your account, email address or network); ask its moderators if you think this is a mistake.' },
  comment_blocked: { status: 422, message: 'The comment contains a word or link this forum does not accept; remove it and send again.' },
  invalid_transition: { status: 409, message: 'The comment is not in a state that allows this.' },
  parent_in_other_thread: { status: 422, message: 'The comment you are replying to belongs to another thread.' },
  parent_not_visible: { status: 422, message: 'You can only reply to a published comment.' },
  webhook_url_refused: { status: 422, message: 'The webhook url resolves to a loopback, private or otherwise internal address, which this server does not call.' },
  // load (429)
  rate_limited: { status: 429, message: 'Too many requests; wait a moment and try again.' },
  // a dependency is away (503): the request did nothing it reported; retry after Retry-After
  database_unavailable: { status: 503, message: 'The database is unavailable right now (restarting or failing over); try again in a few seconds. A write that got this answer may or may not have been saved: read before retrying it.' },
  forum_moving: { status: 503, message: 'This forum is being moved to another database and took longer than usual to switch over; nothing was saved. Try again in a few seconds.' },
  // realtime frames (docs/realtime.md): an error frame carries the code and the message; the
  // status is what the same refusal would be over HTTP
  bad_frame: { status: 400, message: 'A realtime frame must be one JSON object, sent as a text frame; binary frames are not accepted.' },
  unknown_op: { status: 400, message: 'A realtime frame needs "op": subscribe, unsubscribe or ping.' },
  too_many_subscriptions: { status: 429, message: 'This connection holds as many subscriptions as it may; unsubscribe from a thread first, or open another connection.' },
  already_subscribed: { status: 409, message: 'You are already subscribed to this thread.' },
  not_subscribed: { status: 409, message: 'You are not subscribed to this thread.' },
  slow_consumer: { status: 429, message: 'You fell too far behind; refetch the threads and subscribe again.' },
  credential_revoked: { status: 401, message: 'The key or sign-in this subscription was admitted with no longer moderates the thread\'s forum (signed out, role removed, or key rotated): the subscription has ended. Subscribe again without it for the public view, or with a valid key.' },
  unavailable: { status: 503, message: 'The subscription could not be set up (the realtime node cannot reach its database); subscribe again in a few seconds.' },
  // ours (500): never for bad input
  internal: { status: 500, message: 'Something went wrong on our side; try again in a moment.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  /** for the log only: never sent to a client */
  readonly internal?: unknown;

  constructor(code: ErrorCode, opts: { message?: string; details?: Record<string, unknown>; internal?: unknown } = {}) {
    super(opts.message ?? errorCodes[code].message);
    this.name = 'ParleyError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.details = opts.details;
    this.internal = opts.internal;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const fail = (code: ErrorCode, opts?: ConstructorParameters<typeof ParleyError>[1]): never => {
  throw new ParleyError(code, opts);
};
