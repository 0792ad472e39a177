// The signature a receiver checks: HMAC-SHA256 with the webhook's secret over
// "<unix seconds>.<body>", hex, sent as `X-Parley-Signature: sha256=<hex>` next to
// `X-Parley-Timestamp`. Signing the timestamp lets a receiver refuse old (replayed) requests.
import { createHmac } from 'node:crypto';

export const signatureOf = (secret: string, timestamp: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
