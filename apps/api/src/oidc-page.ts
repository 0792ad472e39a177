// The page the OpenID Connect callback answers, on the API's own origin, in the sign-in popup the
// widget's session frame opened (also on the API origin). It hands the result to that frame with
// `window.opener.postMessage(message, <the API origin>)`: the browser delivers it only if the
// opener is still a page of the API origin, so the token never reaches the host page, nor a page
// that navigated the opener elsewhere. The data sits in a JSON block (never executed) and the one
// script is constant, so the CSP allows exactly that script by its hash.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ParleyError, UserView } from '@parley/domain';
import { scriptPageHeaders } from './script-page.ts';

const SCRIPT = `(function () {
  var data = JSON.parse(document.getElementById('parley-result').textContent);
  var opener = window.opener;
  if (opener && opener !== window) {
    opener.postMessage(data.message, data.origin);
    if (data.message.type === 'parley:session') window.close();
  }
  document.getElementById('parley-note').hidden = false;
})();`;
const STYLE = 'body{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em;line-height:1.4}';
const pageHeaders = scriptPageHeaders(SCRIPT, { style: STYLE });

export type PopupMessage =
  | { type: 'parley:session'; token: string; user: UserView }
  | { type: 'parley:error'; code: string; message: string };

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON that can sit inside a <script> element: nothing in it can close the element */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/** Whether the request is a browser's page load (the popup), rather than an API client. */
export const wantsHtml = (req: FastifyRequest): boolean => /\btext\/html\b/.test(req.headers.accept ?? '');

/** Headers of every answer of the flow: nothing is cached, and no URL (with its code) leaves as a Referer. */
export const flowHeaders = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' } as const;

export function sendPopupPage(reply: FastifyReply, status: number, apiOrigin: string, message: PopupMessage): FastifyReply {
  const ok = message.type === 'parley:session';
  const title = ok ? 'Signed in' : 'Sign-in failed';
  const text = ok
    ? `You are signed in as <strong>${escapeHtml(message.user.displayName)}</strong>. You can close this window.`
    : `${escapeHtml(message.message)} <small>(${escapeHtml(message.code)})</small>`;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><style>${STYLE}</style></head>
<body><h1>${title}</h1><p id="parley-note"${ok ? ' hidden' : ''}>${text}</p>
<script type="application/json" id="parley-result">${scriptJson({ origin: apiOrigin, message })}</script>
<script>${SCRIPT}</script>
</body></html>
`;
  return reply.status(status).headers(pageHeaders).type('text/html; charset=utf-8').send(html);
}

export const errorMessage = (err: ParleyError): PopupMessage => ({ type: 'parley:error', code: err.code, message: err.message });
