// Unsubscribe tokens: `<payload>.<mac>`, both base64url; the payload is JSON naming the address,
// the mac HMAC-SHA256 over a purpose label and the payload with the server secret (PARLEY_SECRET).
// Tokens do not expire: an unsubscribe link in an old email must keep working. The worker signs,
// the API verifies; both hold the same secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PURPOSE = 'parley.unsubscribe.v1';

export interface UnsubscribeClaim {
  /** the recipient's address, lower-cased */
  email: string;
}

const mac = (secret: string, payload: string): Buffer => createHmac('sha256', secret).update(`${PURPOSE}.${payload}`).digest();

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function signUnsubscribe(secret: string, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, e: normalizeEmail(claim.email) })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The claim of a token this secret signed, or undefined for anything else (malformed, forged, tampered). */
export function verifyUnsubscribe(secret: string, token: string): UnsubscribeClaim | undefined {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[\w-]+$/.test(parts[0]) || !/^[\w-]+$/.test(parts[1])) return undefined;
  const [payload, given] = parts;
  // compared as text: one MAC has several base64url spellings (the last character's spare bits)
  const expected = Buffer.from(mac(secret, payload).toString('base64url'));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
  try {
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v?: unknown; e?: unknown };
    if (claim.v !== 1 || typeof claim.e !== 'string' || !claim.e.includes('@')) return undefined;
    return { email: claim.e };
  } catch {
    return undefined;
  }
}
