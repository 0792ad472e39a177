-- Roles per forum (issue 14): a Parley account (never a user a site signed in) can be a forum's
-- `owner` (everything the forum's key may do, and managing roles) or `moderator` (moderation).
-- The table lives with users and sessions in the accounts database, so a request's session and
-- its roles come back in one query; `forum_id` names a forum of the forums table, which may live
-- on other nodes (ADR 0008), so it carries no foreign key.
CREATE TABLE forum_roles (
  forum_id   bigint NOT NULL,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CONSTRAINT forum_roles_role_check CHECK (role IN ('owner', 'moderator')),
  -- the actor label of whoever granted it (admin, user:<id>)
  granted_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (forum_id, user_id)
);
CREATE INDEX forum_roles_user_idx ON forum_roles (user_id);

-- Invitations by email are account links (account_tokens, migration 7) of kind `forum_invite`,
-- whose data names the forum and the role.

-- When the forum's shared moderator key last authorized a request (at most one write a minute
-- per forum and process), so owners can see whether an integration still uses it.
ALTER TABLE forums ADD COLUMN moderator_key_used_at timestamptz;
