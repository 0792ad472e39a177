// Statements of the delayed-signal machinery: the relay's read of the event log, its cursor, and
// the applied-events ledger that makes every handler idempotent.
import type { Executor } from '../db.ts';
import { eventColumns } from '../logged-event.ts';

/**
 * Events past the cursor, in (txid, id) order, and only those written by transactions older than
 * the oldest one still running: everything below that horizon has committed or aborted, so the
 * set is final and a cursor over it never skips an event whose transaction committed late.
 * Events with txid 0 were copied here by a forum move: they were relayed where they were written.
 * $1 cursor txid, $2 cursor event id, $3 limit
 */
export const relayBatch = {
  name: 'parley_relay_batch',
  text: `SELECT ${eventColumns}, txid::text AS txid FROM events
    WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid > '0'::xid8 AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY txid, id LIMIT $3`,
};

export const readRelayCursor = `INSERT INTO relay_cursor (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
  RETURNING txid::text AS txid, event_id`;

/** Are there committed events the relay has not passed yet (some may wait behind the horizon)? $1 cursor name */
export const eventsPastCursor = `SELECT EXISTS (SELECT 1 FROM events e, relay_cursor c WHERE c.name = $1 AND (e.txid, e.id) > (c.txid, c.event_id) AND e.txid > '0'::xid8) AS waiting`;

/** Moves the cursor forward only (a stale relay can never move it back). */
export const advanceRelayCursor = `UPDATE relay_cursor SET txid = $2::xid8, event_id = $3, updated_at = now()
  WHERE name = $1 AND (txid, event_id) < ($2::xid8, $3::bigint)`;

/** Claims events for a handler; returns the ids not applied before. Run it in the handler's own transaction. */
export async function claimEvents(ex: Executor, handler: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await ex.query<{ event_id: string }>(
    `INSERT INTO applied_events (handler, event_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING RETURNING event_id`,
    [handler, eventIds],
  );
  return new Set(rows.map((r) => r.event_id));
}
