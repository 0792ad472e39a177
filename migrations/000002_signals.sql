-- Delayed signals. A relay reads the event log in commit-safe order and hands events to pg-boss;
-- handlers are idempotent through applied_events.

-- The transaction that wrote each event. Events are relayed in (txid, id) order, and only below
-- the oldest transaction still running, so an event whose transaction commits late is never
-- skipped (its txid is above the horizon until it commits or aborts).
ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_txid_idx ON events (txid, id);

CREATE TABLE relay_cursor (
  name      text PRIMARY KEY,
  txid      xid8 NOT NULL DEFAULT '0',
  event_id  bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Which handler has applied which event: a retry or a second worker applies nothing twice.
CREATE TABLE applied_events (
  handler   text NOT NULL,
  event_id  bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (handler, event_id)
);

-- A status change records the status it replaced (SET prev_status = status), so a counter knows
-- what the change did without reading the post.
ALTER TABLE posts ADD COLUMN prev_status text;

-- Counters, maintained by the worker in batches (never in the request's transaction).
ALTER TABLE threads ADD COLUMN post_count integer NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN pending_count integer NOT NULL DEFAULT 0;
ALTER TABLE forums ADD COLUMN post_count integer NOT NULL DEFAULT 0;
ALTER TABLE forums ADD COLUMN pending_count integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN post_count integer NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN reply_count integer NOT NULL DEFAULT 0;
