// Disqus-compatible SSO values. The vectors were computed outside this code, with openssl:
//   msg=$(printf '%s' '<json>' | base64 -w0)
//   printf '%s' "$msg 1796601600" | openssl dgst -sha1 -hmac 'site-secret-123'
import t from 'tap';
import { ParleyError } from '@parley/domain';
import { disqusSignature, verifyDisqusSso } from '../src/sso-disqus.ts';

const SECRET = 'site-secret-123';
const TS = 1796601600; // 2026-12-07T00:00:00Z
// {"id":"42","username":"ada","email":"ada@example.com","avatar":"https://example.com/ada.png"}
const ADA = 'eyJpZCI6IjQyIiwidXNlcm5hbWUiOiJhZGEiLCJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSIsImF2YXRhciI6Imh0dHBzOi8vZXhhbXBsZS5jb20vYWRhLnBuZyJ9';
const ADA_SIG = '229722ca3172a0bcb76cd47ecc354ab1bbf7c87e';
const EMPTY = 'e30=';
const EMPTY_SIG = '9726c5db80d6b368be3d849498986907fa28b93f';
const WINDOW = 7200;

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof ParleyError ? err.code : String(err);
  }
};
/** a value this test signs itself, for shapes the vectors do not cover */
const signed = (data: unknown, ts = TS, secret = SECRET) => {
  const msg = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64');
  return `${msg} ${disqusSignature(secret, msg, String(ts))} ${ts}`;
};

t.test('given the independent vectors', async (t) => {
  t.equal(disqusSignature(SECRET, ADA, String(TS)), ADA_SIG, 'the signature is openssl\'s');
  t.equal(disqusSignature(SECRET, EMPTY, String(TS)), EMPTY_SIG);
  t.same(verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS}`, SECRET, TS + 60, WINDOW), {
    kind: 'user', timestamp: TS, user: { id: '42', username: 'ada', email: 'ada@example.com', avatar: 'https://example.com/ada.png' },
  }, 'a signed user signs in');
  t.same(verifyDisqusSso(`${EMPTY} ${EMPTY_SIG} ${TS}`, SECRET, TS, WINDOW), { kind: 'logout', timestamp: TS }, 'the signed empty object logs out');
  t.same(verifyDisqusSso(`${ADA} ${ADA_SIG.toUpperCase()} ${TS}`, SECRET, TS, WINDOW).kind, 'user', 'hex in either case');
});

t.test('when the signature does not hold', async (t) => {
  t.equal(code(() => verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS}`, 'another-forums-secret', TS, WINDOW)), 'sso_signature_invalid', 'another forum\'s secret');
  t.equal(code(() => verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS + 1}`, SECRET, TS, WINDOW)), 'sso_signature_invalid', 'the timestamp is signed');
  t.equal(code(() => verifyDisqusSso(`${EMPTY} ${ADA_SIG} ${TS}`, SECRET, TS, WINDOW)), 'sso_signature_invalid', 'the message is signed');
  t.equal(code(() => verifyDisqusSso(`${ADA} ${'0'.repeat(40)} ${TS}`, SECRET, TS, WINDOW)), 'sso_signature_invalid');
});

t.test('when the timestamp is outside the window', async (t) => {
  t.equal(code(() => verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS}`, SECRET, TS + WINDOW + 1, WINDOW)), 'sso_expired', 'too old');
  t.equal(code(() => verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS}`, SECRET, TS - WINDOW - 1, WINDOW)), 'sso_expired', 'too far ahead');
  t.equal(code(() => verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS}`, SECRET, TS + WINDOW, WINDOW)), 'ok', 'the window\'s edge is in');
  t.equal(code(() => verifyDisqusSso(`${ADA} ${ADA_SIG} ${TS}`, SECRET, TS + 61, 60)), 'sso_expired', 'the window is the caller\'s');
});

t.test('when the value is malformed', async (t) => {
  for (const bad of ['', ADA, `${ADA} ${ADA_SIG}`, `${ADA}  ${ADA_SIG} ${TS}`, `${ADA} ${ADA_SIG.slice(1)} ${TS}`, `${ADA} ${ADA_SIG} -1`, `${ADA} ${ADA_SIG} ${TS} extra`, `a${'b'.repeat(9000)} ${ADA_SIG} ${TS}`]) {
    t.equal(code(() => verifyDisqusSso(bad, SECRET, TS, WINDOW)), 'invalid_sso', JSON.stringify(bad.slice(0, 40)));
  }
  t.equal(code(() => verifyDisqusSso(signed('not json'), SECRET, TS, WINDOW)), 'invalid_sso', 'a message that is not JSON');
  t.equal(code(() => verifyDisqusSso(signed([1, 2]), SECRET, TS, WINDOW)), 'invalid_sso', 'a JSON array');
  t.equal(code(() => verifyDisqusSso(signed({ username: 'ada', email: 'a@b.co' }), SECRET, TS, WINDOW)), 'invalid_sso', 'no id');
  t.equal(code(() => verifyDisqusSso(signed({ id: 1, email: 'a@b.co' }), SECRET, TS, WINDOW)), 'invalid_sso', 'no username');
  t.equal(code(() => verifyDisqusSso(signed({ id: 1, username: 'x'.repeat(65), email: 'a@b.co' }), SECRET, TS, WINDOW)), 'invalid_sso', 'a username too long');
  t.equal(code(() => verifyDisqusSso(signed({ id: 1, username: 'ada' }), SECRET, TS, WINDOW)), 'invalid_sso', 'no email');
  t.equal(code(() => verifyDisqusSso(signed({ id: 1, username: 'ada', email: 'nope' }), SECRET, TS, WINDOW)), 'invalid_email');
  t.equal(code(() => verifyDisqusSso(signed({ id: 1, username: 'ada', email: 'a@b.co', avatar: 'javascript:alert(1)' }), SECRET, TS, WINDOW)), 'invalid_sso', 'an avatar that is not http(s)');
  t.equal(code(() => verifyDisqusSso(signed({ id: 1, username: 'a\u0000da', email: 'a@b.co' }), SECRET, TS, WINDOW)), 'invalid_text', 'text Postgres cannot store');
  t.same(verifyDisqusSso(signed({ id: 7, username: ' Ada L. ', email: 'a@b.co', url: 'https://ada.example/' }), SECRET, TS, WINDOW), {
    kind: 'user', timestamp: TS, user: { id: '7', username: 'Ada L.', email: 'a@b.co', url: 'https://ada.example/' },
  }, 'an integer id is a string; the name is trimmed; names with spaces are the site\'s to choose');
});
