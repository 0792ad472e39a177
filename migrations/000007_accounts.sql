-- Accounts (issue 14): verified addresses, profiles, and the one-time links sent by email
-- (address verification, password reset; other kinds join them: packages/domain account-email.ts).

-- email_verified_at: when the current address was proven (a link in a mail to it was followed);
-- null again whenever the address changes. display_name: shown instead of the username when set.
ALTER TABLE users
  ADD COLUMN email_verified_at timestamptz,
  ADD COLUMN display_name      text;

-- Local accounts by address: a password reset mails every one of them.
CREATE INDEX users_email_local_idx ON users (lower(email)) WHERE sso_forum_id IS NULL;

-- One row per link sent. `id` is random and names the link; the link itself carries the id and an
-- HMAC over the kind's purpose and the id with PARLEY_SECRET, which nothing stores: a copy of this
-- table, of the event log or of the job queue opens no link. A link is used once: a conditional
-- UPDATE sets used_at while it is null and the link has not expired.
CREATE TABLE account_tokens (
  id          text PRIMARY KEY,
  kind        text NOT NULL,
  user_id     bigint,
  email       text NOT NULL,
  -- what else the kind needs (a forum, a role): small, never secret
  data        jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, kind) WHERE user_id IS NOT NULL;

-- Account emails, at most once each: one row per AccountEmailRequested event, claimed before
-- sending (same states as email_log: sending, sent, skipped, failed; a row left in `sending` by a
-- crashed worker is never sent again).
CREATE TABLE account_email_log (
  event_id    bigint PRIMARY KEY,
  kind        text NOT NULL,
  token_id    text NOT NULL,
  -- whose mail it was (null: a guest's address), for the account's export and erasure
  user_id     bigint,
  recipient   text NOT NULL,
  status      text NOT NULL CHECK (status IN ('sending', 'sent', 'skipped', 'failed')),
  reason      text,
  retryable   boolean NOT NULL DEFAULT false,
  attempts    integer NOT NULL DEFAULT 1,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_email_log_recipient_idx ON account_email_log (recipient, at);
CREATE INDEX account_email_log_user_idx ON account_email_log (user_id) WHERE user_id IS NOT NULL;
