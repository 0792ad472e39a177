// Webhooks: which events a forum's integrators can subscribe to, and the rules for a receiver URL
// and an event list. Whether the URL's host may be reached (loopback, private ranges) needs a DNS
// lookup, so that check lives with the I/O (packages/data/src/webhook-target.ts).
import { ParleyError } from './errors.ts';
import type { EventType } from './events.ts';

/** The thread events a webhook may receive; the default subscription is all of them. */
export const webhookEventTypes = [
  'ThreadCreated',
  'PostCreated',
  'PostEdited',
  'PostApproved',
  'PostMarkedSpam',
  'PostDeleted',
  'PostRestored',
  'PostHeld',
  'PostShadowed',
  'PostAuthorErased',
  'VoteCast',
] as const satisfies readonly EventType[];
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const isWebhookEventType = (t: string): t is WebhookEventType => (webhookEventTypes as readonly string[]).includes(t);

/** A webhook as the API shows it and the event log keeps it: never its secret. */
export interface Webhook {
  id: string;
  forumId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: Date;
}

export const webhookUrlMaxLength = 2000;

/** An absolute http(s) URL with a host; returned normalised (as `URL` prints it). */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ParleyError('invalid_webhook_url', { message: 'The webhook url must be an absolute http or https URL.' });
  }
  if (raw.length > webhookUrlMaxLength) {
    throw new ParleyError('invalid_webhook_url', { message: `The webhook url is longer than ${webhookUrlMaxLength} characters.` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ParleyError('invalid_webhook_url', { message: 'The webhook url must use http or https.', details: { protocol: url.protocol } });
  }
  if (url.hostname === '') throw new ParleyError('invalid_webhook_url', { message: 'The webhook url has no host.' });
  // a fragment never reaches the server; say so rather than drop it silently
  if (url.hash) throw new ParleyError('invalid_webhook_url', { message: 'The webhook url must not have a #fragment.' });
  return url;
}

/** A non-empty list of known event types, without repeats; `undefined` means all of them. */
export function checkWebhookEvents(events: readonly string[] | undefined): WebhookEventType[] {
  if (events === undefined) return [...webhookEventTypes];
  if (events.length === 0) throw new ParleyError('invalid_webhook_events', { message: 'events must name at least one event type (or be left out for all).' });
  const unknown = events.filter((e) => !isWebhookEventType(e));
  if (unknown.length) {
    throw new ParleyError('invalid_webhook_events', {
      message: `Unknown event type "${String(unknown[0]).slice(0, 40)}"; choose from ${webhookEventTypes.join(', ')}.`,
      details: { allowed: webhookEventTypes },
    });
  }
  return webhookEventTypes.filter((t) => events.includes(t));
}
