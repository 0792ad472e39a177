// The links of account emails: a token verifies only with the secret and the kind it was signed
// for; the mac is checked against an HMAC computed here independently of the module.
import { createHmac } from 'node:crypto';
import t from 'tap';
import { newAccountTokenId, signAccountToken, verifyAccountToken } from '../src/account-token.ts';

const secret = 'a-secret-of-sixteen-or-more';

t.test('sign and verify', async (t) => {
  const id = newAccountTokenId();
  t.match(id, /^[\w-]{22}$/, '16 random bytes, base64url');
  t.not(newAccountTokenId(), id);
  const token = signAccountToken(secret, 'verify_email', id);
  const expected = createHmac('sha256', secret).update(`parley.account.verify_email.v1.${id}`).digest('base64url');
  t.equal(token, `${id}.${expected}`, 'HMAC-SHA256 over the purpose and the id');
  t.equal(verifyAccountToken(secret, 'verify_email', token), id);
  t.equal(verifyAccountToken(secret, 'password_reset', token), undefined, 'another kind');
  t.equal(verifyAccountToken('another-secret-entirely', 'verify_email', token), undefined, 'another secret');
  for (const bad of ['', id, `${id}.`, `.${expected}`, `${id}.${expected}x`, `${id}x.${expected}`, /* the same bytes spelled otherwise (the last character's spare bits) */ `${id}.${expected.slice(0, -1)}${String.fromCharCode(expected.charCodeAt(42) + 1)}`, `${id}.${expected}.${expected}`]) {
    t.equal(verifyAccountToken(secret, 'verify_email', bad), undefined, JSON.stringify(bad.slice(0, 30)));
  }
});
