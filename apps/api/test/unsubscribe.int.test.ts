// GET /v1/unsubscribe: a signed token records an opt-out; anything else is refused with a code.
import t from 'tap';
import { signUnsubscribe } from '@parley/data';
import { testApi } from '../../../test/harness/app.ts';

const SECRET = 'test-secret-for-unsubscribe-links';

const optouts = async (api: Awaited<ReturnType<typeof testApi>>) =>
  (await api.db.exec({ area: 'accounts', mode: 'read' }, 'SELECT email FROM email_optouts ORDER BY email')).rows.map((r) => r.email);

t.test('a signed token records the opt-out; JSON for clients, HTML for browsers; twice is fine', async (t) => {
  const api = await testApi(t, { secret: SECRET });
  const token = signUnsubscribe(SECRET, { email: 'Alice@Example.com' });
  const res = await api.req('GET', `/v1/unsubscribe?token=${encodeURIComponent(token)}`);
  t.equal(res.status, 200);
  t.same(res.body, { unsubscribed: true, email: 'alice@example.com' });
  t.same(await optouts(api), ['alice@example.com']);

  const page = await api.req('GET', `/v1/unsubscribe?token=${token}`, { headers: { accept: 'text/html,application/xhtml+xml' } });
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.headers['content-security-policy'], /default-src 'none'/);
  t.match(page.body, /No more reply emails will be sent to <strong>alice@example\.com<\/strong>/);
  t.same(await optouts(api), ['alice@example.com'], 'still one opt-out');
});

t.test('the address in the page is escaped', async (t) => {
  const api = await testApi(t, { secret: SECRET });
  const token = signUnsubscribe(SECRET, { email: '<b>x</b>@example.com' });
  const page = await api.req('GET', `/v1/unsubscribe?token=${token}`, { headers: { accept: 'text/html' } });
  t.equal(page.status, 200);
  t.match(page.body, /&lt;b&gt;x&lt;\/b&gt;@example\.com/);
  t.notMatch(page.body, /<b>x<\/b>/);
});

t.test('forged, tampered, malformed or missing tokens are refused with 400', async (t) => {
  const api = await testApi(t, { secret: SECRET });
  const good = signUnsubscribe(SECRET, { email: 'alice@example.com' });
  const [payload, mac] = good.split('.');
  const otherPayload = Buffer.from(JSON.stringify({ v: 1, e: 'mallory@example.com' })).toString('base64url');
  const bad = {
    'signed with another secret': signUnsubscribe('some-other-secret-0123456789', { email: 'alice@example.com' }),
    'another address under a valid mac': `${otherPayload}.${mac}`,
    'mac cut short': `${payload}.${mac.slice(0, 20)}`,
    'no mac': payload,
    'three parts': `${good}.x`,
    garbage: '%%%not-a-token%%%',
  };
  for (const [what, token] of Object.entries(bad)) {
    const res = await api.req('GET', `/v1/unsubscribe?token=${encodeURIComponent(token)}`);
    t.equal(res.status, 400, what);
    t.equal(res.body.error.code, 'invalid_unsubscribe_token', what);
  }
  const missing = await api.req('GET', '/v1/unsubscribe');
  t.equal(missing.status, 400);
  t.equal(missing.body.error.code, 'missing_field');
  t.same(await optouts(api), [], 'nothing recorded');
});

t.test('without PARLEY_SECRET no token is genuine', async (t) => {
  const api = await testApi(t, { secret: undefined });
  const res = await api.req('GET', `/v1/unsubscribe?token=${signUnsubscribe(SECRET, { email: 'alice@example.com' })}`);
  t.equal(res.status, 400);
  t.equal(res.body.error.code, 'invalid_unsubscribe_token');
});
