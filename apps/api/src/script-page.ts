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

/** Such a page: a title, its body, a status line the script speaks through, and the script; `page` names it for the script (data-page). */
export const scriptPage = (page: string, title: string, body: string, script: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${title}</title></head>
<body data-page="${page}" style="font-family: sans-serif; max-width: 32em; margin: 3em auto; line-height: 1.4">
<h1>${title}</h1>
${body}<p id="status" role="status"></p>
<script>${script}</script>
</body></html>
`;

/**
 * The start of a mailed link's page script: `page` (the body's data-page), `token` (read from the
 * fragment, which is then dropped from the address bar) and `say(text)` (the status line).
 */
export const linkPrelude = `  var page = document.body.getAttribute('data-page');
  var out = document.getElementById('status');
  var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  var token = m ? decodeURIComponent(m[1]) : null;
  if (history.replaceState) history.replaceState(null, '', location.pathname);
  function say(text) { out.textContent = text; }
`;
