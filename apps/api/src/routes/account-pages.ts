// The pages the links of account emails open (packages/domain account-email.ts): one click in a
// mail client lands here, and the page POSTs the token to the API. The token travels in the
// fragment (#token=…), which browsers never send to a server, so no request log, proxy or
// Referer ever holds it; the page also drops it from the address bar at once. Same origin as the
// API, a strict CSP (the one script allowed by its hash), no caching, no referrer.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { accountEmailLinks } from '@parley/domain';
import { linkPrelude, scriptPage, scriptPageHeaders } from '../script-page.ts';

// One script for every page: the body's data-page says which. Paths are relative to the page, so
// an API served under a path prefix (PARLEY_PUBLIC_URL with a path) works the same.
const script = `(function () {
${linkPrelude}  function post(path, body) {
    return fetch(new URL(path, location.href).href, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); });
  }
  function failed(r) { say(r.body && r.body.error ? r.body.error.message : 'Something went wrong; try again.'); }
  if (!token) return say('This link is incomplete: open the whole link from the email.');
  if (page === 'verify') {
    say('Verifying your email address…');
    post('../v1/email-verifications', { token: token }).then(function (r) {
      if (r.ok) say('Thank you: your email address is verified. You can close this page.'); else failed(r);
    }, function () { say('The server could not be reached; open the link again.'); });
  }
  if (page === 'reset') {
    var form = document.getElementById('form');
    form.hidden = false;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var a = document.getElementById('password').value, b = document.getElementById('again').value;
      if (a !== b) return say('The two passwords differ.');
      say('Saving…');
      post('../v1/password-resets/confirm', { token: token, password: a }).then(function (r) {
        if (r.ok) { form.hidden = true; say('Your password is changed, and every session of your account has ended. Sign in with the new password.'); } else failed(r);
      }, function () { say('The server could not be reached; try again.'); });
    });
  }
})();`;

const headers = scriptPageHeaders(script, { connect: true });

const html = (page: string, title: string, body: string): string => scriptPage(page, title, body, script);

const verifyPage = html('verify', 'Verify your email address', '');
const resetPage = html('reset', 'Choose a new password', `<form id="form" hidden>
<p><label>New password (8 characters at least)<br><input id="password" type="password" autocomplete="new-password" minlength="8" required></label></p>
<p><label>The same again<br><input id="again" type="password" autocomplete="new-password" minlength="8" required></label></p>
<p><button type="submit">Save the new password</button></p>
</form>
`);

const send = (reply: FastifyReply, page: string) => reply.headers(headers).type('text/html; charset=utf-8').send(page);

const accountPages: FastifyPluginAsync = async (app) => {
  app.get(accountEmailLinks.verify_email, { schema: { hide: true } }, async (_req, reply) => send(reply, verifyPage));
  app.get(accountEmailLinks.password_reset, { schema: { hide: true } }, async (_req, reply) => send(reply, resetPage));
};

export default accountPages;
