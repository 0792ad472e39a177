// The small HTML pages the API itself serves on its own origin (account-email links, invitations,
// the OpenID Connect popup): each runs one constant script, allowed by the CSP through its hash,
// and is never cached, framed or sent on as a Referer, because a token may be in its URL.
import { createHash } from 'node:crypto';

/** A CSP source allowing exactly this inline script or style. */
export const inlineHash = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

/**
 * The headers of such a page. `style`: the one inline stylesheet's text (hashed), or none for a
 * page styled by attributes only; `connect`: whether its script calls the API.
 */
export function scriptPageHeaders(script: string, opts: { style?: string; connect?: boolean } = {}): Record<string, string> {
  const style = opts.style === undefined ? "'unsafe-inline'" : inlineHash(opts.style);
  return {
    'content-security-policy': `default-src 'none'; script-src ${inlineHash(script)}; style-src ${style};${opts.connect ? " connect-src 'self';" : ''} form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
  };
}
