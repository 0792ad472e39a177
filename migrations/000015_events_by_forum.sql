-- Issue 15: a rules backtest reads one forum's log in id order (`forum_id = $1 AND id > $2 ORDER
-- BY id`). Without this index a shard holding many forums walks every forum's events for it.
CREATE INDEX events_forum_idx ON events (forum_id, id);
