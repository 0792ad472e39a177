-- OpenID Connect sign-in (issue 14). A Parley account may be reached through an identity at an
-- OpenID Connect provider the operator configured: the provider's issuer and its subject (`sub`)
-- name the person, and nothing else does (an email address alone never links an identity to an
-- existing account: whoever controls a provider could otherwise claim any address's account).
-- The provider's profile (its name, verified address, picture) is kept here as the provider last
-- said it, so a sign-in that changed nothing writes nothing.
CREATE TABLE user_identities (
  issuer      text NOT NULL,
  subject     text NOT NULL,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- the operator's id of the provider the identity was first seen through (for display; the
  -- issuer is what matches)
  provider    text NOT NULL,
  email       text,
  name        text,
  picture     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- A sign-in under way: created when the browser is sent to the provider, deleted (once, by the
-- statement that reads it) when the provider sends it back, so a callback can never be replayed.
-- Named by the SHA-256 of its `state`; `browser_hash` is the SHA-256 of a random value kept in an
-- HttpOnly cookie of the browser that started it, so a callback URL opened in another browser
-- (login CSRF) finds no flow. The PKCE verifier and the nonce are secrets of a few minutes that
-- are useless without the provider's code; they are gone when the row is.
CREATE TABLE oidc_flows (
  state_hash    bytea PRIMARY KEY,
  browser_hash  bytea NOT NULL,
  provider      text NOT NULL,
  -- the forum whose widget started it (forums may live on another node: no foreign key)
  forum_id      bigint NOT NULL,
  mode          text NOT NULL CONSTRAINT oidc_flows_mode_check CHECK (mode IN ('popup', 'redirect')),
  code_verifier text NOT NULL,
  nonce         text NOT NULL,
  return_to     text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_flows_expires_idx ON oidc_flows (expires_at);

-- Redirect mode (the widget navigated the page to the provider instead of opening a popup): the
-- callback sends the browser back to the host page with a one-time code in the URL's fragment, and
-- the widget's session frame trades it for a session (POST /v1/oidc/redeem). Named by the code's
-- SHA-256; the statement that reads it deletes it; it lives a minute.
CREATE TABLE oidc_handoffs (
  code_hash   bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX oidc_handoffs_expires_idx ON oidc_handoffs (expires_at);

-- A forum's own OpenID Connect provider (optional; PUT /v1/forums/:slug/oidc): its users are the
-- forum's own, like those its site signs in by SSO (users.sso_forum_id). The client secret is
-- never sent, cached or logged, like sso_secret.
ALTER TABLE forums
  ADD COLUMN oidc_issuer        text,
  ADD COLUMN oidc_client_id     text,
  ADD COLUMN oidc_client_secret text,
  ADD COLUMN oidc_name          text;

-- A Parley account reached through a provider has no password: the shape rule keeps only that a
-- forum's SSO user has both its forum and its site's id.
ALTER TABLE users DROP CONSTRAINT users_sso_shape,
  ADD CONSTRAINT users_sso_shape CHECK ((sso_forum_id IS NULL) = (sso_id IS NULL));
