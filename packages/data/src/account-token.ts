// The links of account emails (packages/domain account-email.ts): `<id>.<mac>`, where id names an
// account_tokens row (random, 16 bytes) and mac is HMAC-SHA256 over the kind's purpose and the id
// with PARLEY_SECRET, both base64url. The worker signs when it writes the mail; the API verifies.
// Nothing stores the mac, so the row, the event and the job each hold only half of a link.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { accountEmailPurpose, type AccountEmailKind } from '@parley/domain';

const ID = /^[\w-]{22}$/;
const MAC = /^[\w-]{43}$/;

export const newAccountTokenId = (): string => randomBytes(16).toString('base64url');

const mac = (secret: string, kind: AccountEmailKind, id: string): Buffer =>
  createHmac('sha256', secret).update(`${accountEmailPurpose(kind)}.${id}`).digest();

export const signAccountToken = (secret: string, kind: AccountEmailKind, id: string): string => `${id}.${mac(secret, kind, id).toString('base64url')}`;

/** The row id of a token this secret signed for this kind, or undefined for anything else. */
export function verifyAccountToken(secret: string, kind: AccountEmailKind, token: string): string | undefined {
  const dot = token.indexOf('.');
  const id = token.slice(0, dot);
  const given = token.slice(dot + 1);
  if (dot < 0 || !ID.test(id) || !MAC.test(given)) return undefined;
  // the text itself is compared: base64url decoding ignores the last character's spare bits, so
  // decoding first would let several spellings of one MAC pass
  const expected = Buffer.from(mac(secret, kind, id).toString('base64url'));
  const got = Buffer.from(given);
  return got.length === expected.length && timingSafeEqual(got, expected) ? id : undefined;
}
