-- Issue 14: a user a forum's site signed in (single sign-on) takes part in that forum only,
-- unless the admin links the user to another forum. A link lives with users, sessions and roles
-- in the accounts database, so the session query returns it with the roles, in one query;
-- `forum_id` names a forum of the forums table, which may live on other nodes (ADR 0008), so it
-- carries no foreign key.
CREATE TABLE user_forum_links (
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  forum_id   bigint NOT NULL,
  -- the actor label of whoever linked it (admin)
  linked_by  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, forum_id)
);
CREATE INDEX user_forum_links_forum_idx ON user_forum_links (forum_id);

-- Invitations to a forum role (account_tokens of kind `forum_invite`, migration 9) are listed
-- per forum by their owners and can be cancelled: a cancelled one is also marked used, so its link
-- is refused by the statement that redeems links, unchanged.
ALTER TABLE account_tokens ADD COLUMN cancelled_at timestamptz;
CREATE INDEX account_tokens_forum_invite_idx ON account_tokens ((data ->> 'forumId'), created_at) WHERE kind = 'forum_invite';
