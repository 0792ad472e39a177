// Disqus-compatible single sign-on (`remote_auth_s3`): the host page's server signs its own
// user, and the widget hands the value to the API. The value is three parts separated by
// spaces: base64 of a JSON object `{id, username, email, avatar?, url?}`, the HMAC-SHA1 (hex) of
// "<base64> <timestamp>" under the forum's SSO secret, and the timestamp (seconds). The signed
// empty object (`e30=`) means "nobody is signed in": the reader is logged out.
// Pure: the caller brings the forum's secret and the clock.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkEmail, checkText, ParleyError } from '@parley/domain';

export interface SsoIdentity {
  /** the site's own id of the user */
  id: string;
  username: string;
  email: string;
  avatar?: string;
  url?: string;
}

export type SsoResult = { kind: 'user'; user: SsoIdentity; timestamp: number } | { kind: 'logout'; timestamp: number };

/** base64, a space, 40 hex digits, a space, seconds; at most 8 KB in all */
const FORM = /^([A-Za-z0-9+/]+={0,2}) ([0-9a-fA-F]{40}) (\d{1,12})$/;
export const SSO_MAX_LENGTH = 8192;

/** The signature a site computes: HMAC-SHA1 of "<message> <timestamp>" under its secret, hex. */
export const disqusSignature = (secret: string, message: string, timestamp: string): string =>
  createHmac('sha1', secret).update(`${message} ${timestamp}`).digest('hex');

const invalid = (message: string, field?: string) =>
  new ParleyError('invalid_sso', { message, ...(field ? { details: { field } } : {}) });

function optionalUrl(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 2048) throw invalid(`The single sign-on ${field} must be an http(s) URL of at most 2,048 characters.`, field);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(`The single sign-on ${field} must be an absolute http(s) URL.`, field);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`The single sign-on ${field} must be an http(s) URL.`, field);
  return checkText(url.href, `sso.${field}`);
}

/**
 * Verifies a `remote_auth_s3` value against the forum's secret, at `nowSeconds`, accepting
 * timestamps within `windowSeconds` either way (clocks differ). The signature is checked before
 * anything in the message is read.
 */
export function verifyDisqusSso(value: string, secret: string, nowSeconds: number, windowSeconds: number): SsoResult {
  if (value.length > SSO_MAX_LENGTH) throw invalid(`The single sign-on value is longer than ${SSO_MAX_LENGTH} characters.`);
  const m = FORM.exec(value.trim());
  if (!m) throw invalid('The single sign-on value must be "<base64 JSON> <HMAC-SHA1 hex> <timestamp>", separated by single spaces.');
  const [, message, signature, stamp] = m;
  const expected = Buffer.from(disqusSignature(secret, message, stamp), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new ParleyError('sso_signature_invalid');
  const timestamp = Number(stamp);
  if (Math.abs(nowSeconds - timestamp) > windowSeconds) {
    throw new ParleyError('sso_expired', { details: { timestamp, windowSeconds } });
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(message, 'base64').toString('utf8'));
  } catch {
    throw invalid('The single sign-on message is not base64 of a JSON object.');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('The single sign-on message must be a JSON object.');
  const d = data as Record<string, unknown>;
  if (Object.keys(d).length === 0) return { kind: 'logout', timestamp };
  return { kind: 'user', user: identityOf(d), timestamp };
}

/** The user a site names (Disqus's fields; a JWT's claims are mapped onto them), checked. */
export function identityOf(d: Record<string, unknown>): SsoIdentity {
  const id = typeof d.id === 'number' && Number.isSafeInteger(d.id) ? String(d.id) : d.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw invalid('The single sign-on id must be a string (or integer) of 1 to 256 characters.', 'id');
  const username = typeof d.username === 'string' ? d.username.trim() : '';
  if (username.length === 0 || username.length > 64) throw invalid('The single sign-on username must be 1 to 64 characters.', 'username');
  if (typeof d.email !== 'string') throw invalid('The single sign-on email is missing.', 'email');
  const user: SsoIdentity = {
    id: checkText(id, 'sso.id'),
    username: checkText(username, 'sso.username'),
    email: checkEmail(checkText(d.email.trim(), 'sso.email')),
  };
  const avatar = optionalUrl(d.avatar, 'avatar');
  const url = optionalUrl(d.url, 'url');
  return { ...user, ...(avatar ? { avatar } : {}), ...(url ? { url } : {}) };
}
