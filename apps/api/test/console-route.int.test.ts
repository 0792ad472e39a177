// GET /moderate without a browser: the page and its policy come without a widget build (its files
// then answer widget_not_found), and a Host header that is not a host adds nothing to the policy.
import t from 'tap';
import { testApi } from '../../../test/harness/app.ts';

t.test('the console page, its policy, and its files without a build', async (t) => {
  const api = await testApi(t);
  const page = await api.req('GET', '/moderate', { headers: { host: 'comments.example.com' } });
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.equal(
    page.headers['content-security-policy'],
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws://comments.example.com wss://comments.example.com; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  );
  t.equal(page.headers['x-frame-options'], 'DENY');
  t.equal(page.headers['referrer-policy'], 'no-referrer');
  t.match(page.body, /<script src="\/moderate\/console\.js" defer><\/script>/);

  const odd = await api.req('GET', '/moderate', { headers: { host: "evil.example; script-src *" } });
  t.match(odd.headers['content-security-policy'], /connect-src 'self'; /, 'a Host that is not a host name adds no source');
  t.notMatch(odd.headers['content-security-policy'], /evil|script-src \*/);

  for (const file of ['console.js', 'console.css']) {
    const r = await api.req('GET', `/moderate/${file}`);
    t.equal(r.status, 404, `${file} without a build`);
    t.equal(r.body.error.code, 'widget_not_found');
  }
});
