// The pages a guest's personal-data links open (packages/domain account-email.ts): the token
// travels in the fragment (#token=…), which browsers never send to a server, and the page drops it
// from the address bar at once, then POSTs it to the API: the export arrives as a file to save,
// the erasure waits for a click. Same origin as the API, a strict CSP (the one script allowed by
// its hash), no caching, no referrer: the account pages' rules (routes/account-pages.ts).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { accountEmailLinks } from '@parley/domain';
import { linkPrelude, scriptPage, scriptPageHeaders } from '../script-page.ts';

const script = `(function () {
${linkPrelude}  function post(path) {
    return fetch(new URL(path, location.href).href, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: token }) });
  }
  function failed(r) { return r.json().then(function (b) { say(b && b.error ? b.error.message : 'Something went wrong; try again.'); }, function () { say('Something went wrong; try again.'); }); }
  function unreachable() { say('The server could not be reached; open the link again.'); }
  if (!token) return say('This link is incomplete: open the whole link from the email.');
  if (page === 'export') {
    say('Preparing your data…');
    post('../v1/personal-data/export').then(function (r) {
      if (!r.ok) return failed(r);
      return r.blob().then(function (blob) {
        var a = document.getElementById('save');
        a.href = URL.createObjectURL(blob);
        a.hidden = false;
        say('Your data is ready: save the file. The link has been used; ask again for a new one.');
      });
    }, unreachable);
  }
  if (page === 'erase') {
    var button = document.getElementById('erase');
    button.hidden = false;
    button.addEventListener('click', function () {
      button.disabled = true;
      say('Erasing…');
      post('../v1/personal-data/erase').then(function (r) {
        if (!r.ok) { button.disabled = false; return failed(r); }
        button.hidden = true;
        say('Done: your comments are being erased (the author and the address go from every one of them).');
      }, unreachable);
    });
  }
})();`;

const headers = scriptPageHeaders(script, { connect: true });

const html = (page: string, title: string, body: string): string => scriptPage(page, title, body, script);

const exportPage = html('export', 'Your comments, as a file', '<p><a id="save" download="parley-comments.json" hidden>Save the file</a></p>\n');
const erasePage = html('erase', 'Erase your comments', '<p>Every comment left under your address will lose its name and address, or be removed, as each site decides. This cannot be undone.</p>\n<p><button id="erase" type="button" hidden>Erase my comments</button></p>\n');

const send = (reply: FastifyReply, page: string) => reply.headers(headers).type('text/html; charset=utf-8').send(page);

const personalDataPages: FastifyPluginAsync = async (app) => {
  app.get(accountEmailLinks.guest_export, { schema: { hide: true } }, async (_req, reply) => send(reply, exportPage));
  app.get(accountEmailLinks.guest_erasure, { schema: { hide: true } }, async (_req, reply) => send(reply, erasePage));
};

export default personalDataPages;
