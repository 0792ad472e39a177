-- Online forum moves (docs/adr/0009). A row here says a forum's content has left this content
-- shard, or is leaving it: from the moment the row commits, every thread event append for that
-- forum on this database finds nothing to update, so no write to the forum can commit here. The
-- row stays after the old copy is removed (it is the forwarding note a stale router meets), and is
-- deleted when the forum moves back.
CREATE TABLE forum_fences (
  forum_id  bigint PRIMARY KEY,
  to_shard  integer NOT NULL,
  at        timestamptz NOT NULL DEFAULT now()
);
