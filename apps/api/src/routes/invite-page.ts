// The page an invitation's link opens (/account/invite#token=…; the account-email pages explain
// why the token rides in the fragment). Accepting needs a signed-in Parley account, and this
// origin holds no session of the reader's, so the page signs in with the account's username and
// password, accepts with that session, and ends the session again: nothing stays behind. An
// account without a password (OpenID Connect) accepts through the API with its own token.
import type { FastifyPluginAsync } from 'fastify';
import { accountEmailLinks } from '@parley/domain';
import { scriptPageHeaders } from '../script-page.ts';

const script = `(function () {
  var out = document.getElementById('status');
  var form = document.getElementById('form');
  var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  var invite = m ? decodeURIComponent(m[1]) : null;
  if (history.replaceState) history.replaceState(null, '', location.pathname);
  function say(text) { out.textContent = text; }
  function call(method, path, body, token) {
    var headers = body ? { 'content-type': 'application/json' } : {};
    if (token) headers.authorization = 'Bearer ' + token;
    return fetch(new URL(path, location.href).href, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, body: t ? JSON.parse(t) : null }; }); });
  }
  function failed(r) { say(r.body && r.body.error ? r.body.error.message : 'Something went wrong; try again.'); }
  if (!invite) return say('This link is incomplete: open the whole link from the email.');
  form.hidden = false;
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    say('Signing in…');
    var username = document.getElementById('username').value, password = document.getElementById('password').value;
    call('POST', '../v1/sessions', { username: username, password: password }).then(function (r) {
      if (!r.ok) return failed(r);
      var session = r.body.token;
      function done(a) {
        if (!a.ok) return failed(a);
        form.hidden = true;
        say('Done: your account is now ' + (a.body.role.role === 'owner' ? 'an owner' : 'a moderator') + ' of the forum. You can close this page.');
      }
      return call('POST', '../v1/forum-invites/accept', { token: invite }, session).then(function (a) {
        // the page's session ends before the page says anything, accepted or not
        var end = function () { done(a); };
        return call('DELETE', '../v1/sessions/current', null, session).then(end, end);
      });
    }).catch(function () { say('The server could not be reached; try again.'); });
  });
})();`;

const headers = scriptPageHeaders(script, { connect: true });

const page = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>Accept the invitation</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto; line-height: 1.4">
<h1>Accept the invitation</h1>
<form id="form" hidden>
<p>Sign in with the Parley account that should hold the role.</p>
<p><label>Username<br><input id="username" autocomplete="username" required></label></p>
<p><label>Password<br><input id="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in and accept</button></p>
</form>
<p id="status" role="status"></p>
<script>${script}</script>
</body></html>
`;

const invitePage: FastifyPluginAsync = async (app) => {
  app.get(accountEmailLinks.forum_invite, { schema: { hide: true } }, async (_req, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(page));
};

export default invitePage;
