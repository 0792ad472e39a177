// Account emails as written: every kind has a template; names are escaped and kept to one line;
// the link is the kind's page on the public URL with the signed token in the fragment.
import t from 'tap';
import { accountEmailKinds } from '@parley/domain';
import { verifyAccountToken } from '@parley/data';
import { accountEmailLink, renderAccountEmail, type AccountEmailJob } from '../src/email/index.ts';

const now = new Date('2026-01-01T10:00:00Z');
const job = (over: Partial<AccountEmailJob> = {}): AccountEmailJob => ({
  v: 1, eventId: '7', kind: 'verify_email', tokenId: 'AAAAAAAAAAAAAAAAAAAAAA', userId: '3', to: 'ada@example.com', name: 'ada',
  expiresAt: '2026-01-03T10:00:00Z', forumId: null, details: {}, ...over,
});

t.test('every kind renders, with its link and how long it lasts', async (t) => {
  for (const kind of accountEmailKinds) {
    const m = renderAccountEmail(job({ kind }), 'http://parley.test/x#token=abc', now);
    t.ok(m.subject.length > 0, kind);
    t.match(m.text, /http:\/\/parley\.test\/x#token=abc/);
    t.match(m.html, /href="http:\/\/parley\.test\/x#token=abc"/);
  }
  t.match(renderAccountEmail(job(), 'l', now).text, /for 48 hours/);
  t.match(renderAccountEmail(job({ kind: 'password_reset', expiresAt: '2026-01-01T11:00:00Z' }), 'l', now).text, /for 60 minutes/);
});

t.test('a name cannot break a line or the HTML', async (t) => {
  const m = renderAccountEmail(job({ name: 'Eve\r\nBcc: x@y <script>alert(1)</script>' }), 'l', now);
  t.match(m.text, /^Hi Eve Bcc: x@y <script>alert\(1\)<\/script>,$/m, 'one line in the text');
  t.notMatch(m.html, /<script>/);
  t.match(m.html, /&lt;script&gt;/);
});

t.test('the link: the kind\'s page, the token in the fragment', async (t) => {
  const secret = 'a-secret-of-sixteen-or-more';
  const link = new URL(accountEmailLink('https://comments.example/parley/', secret, { kind: 'password_reset', tokenId: job().tokenId }));
  t.equal(`${link.origin}${link.pathname}`, 'https://comments.example/parley/account/reset', 'under the public URL, path included');
  t.equal(link.search, '', 'nothing in the query string');
  const token = link.hash.replace('#token=', '');
  t.equal(verifyAccountToken(secret, 'password_reset', token), job().tokenId);
});
