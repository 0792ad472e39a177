// Statements of webhooks: their configuration (forums area), the delivery log, and the reads the
// worker's handler makes per batch. The secret is selected only where a delivery is signed.
import { eventColumns } from '../logged-event.ts';

const webhookColumns = 'id, forum_id, url, events, created_at';

/** $1 forum, $2 url, $3 events, $4 secret */
export const insertWebhook = `INSERT INTO webhooks (forum_id, url, events, secret) VALUES ($1, $2, $3::text[], $4)
  RETURNING ${webhookColumns}`;

export const selectForumWebhooks = `SELECT ${webhookColumns} FROM webhooks WHERE forum_id = $1 ORDER BY id`;

/** $1 id, $2 forum: a webhook of another forum is as missing as one that doesn't exist. */
export const deleteWebhook = `DELETE FROM webhooks WHERE id = $1 AND forum_id = $2 RETURNING ${webhookColumns}`;

export const selectWebhookOfForum = `SELECT ${webhookColumns} FROM webhooks WHERE id = $1 AND forum_id = $2`;

/**
 * A webhook of the forum and its latest attempts in one statement: no row = no such webhook,
 * a row with a null delivery id = no attempts yet. $1 webhook, $2 forum, $3 limit
 */
export const selectDeliveries = `SELECT w.id AS webhook_id, d.id, d.event_id, d.job_id, d.attempt, d.status, d.http_status, d.error,
    d.duration_ms, d.at
  FROM webhooks w
  LEFT JOIN LATERAL (
    SELECT * FROM webhook_deliveries WHERE webhook_id = w.id ORDER BY id DESC LIMIT $3
  ) d ON true
  WHERE w.id = $1 AND w.forum_id = $2
  ORDER BY d.id DESC`;

/** The worker's one read per batch: webhooks of these forums, plus these ids (replays). */
export const selectWebhooksForDispatch = `SELECT id, forum_id, events FROM webhooks WHERE forum_id = ANY($1::bigint[]) OR id = ANY($2::bigint[])`;

/** Signing needs the secret; only the delivery path selects it. */
export const selectWebhooksForDelivery = `SELECT id, url, secret FROM webhooks WHERE id = ANY($1::bigint[])`;

/** $1 webhook, $2 event, $3 job, $4 attempt, $5 status, $6 http status, $7 error, $8 duration ms */
export const insertDelivery = `INSERT INTO webhook_deliveries (webhook_id, event_id, job_id, attempt, status, http_status, error, duration_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

/** An event of the forum a webhook may deliver (replays). $1 event, $2 forum, $3 types */
export const selectDeliverableEvent = `SELECT id, forum_id, thread_id, seq, type, schema_version, actor, at, post_id, snapshot
  FROM events WHERE id = $1 AND forum_id = $2 AND type = ANY($3::text[])`;

/** The original events that replay requests name, for the worker. */
export const selectEventsById = `SELECT ${eventColumns} FROM events WHERE id = ANY($1::bigint[])`;
