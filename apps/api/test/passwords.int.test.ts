// Passwords are hashed with argon2id; a hash made before it (scrypt) still logs in, and that
// login replaces it with argon2id; a wrong password replaces nothing; a missing user costs a hash
// verification too.
import t from 'tap';
import { hashPassword, needsRehash, scryptHash, verifyPassword } from '@parley/access';
import { testApi } from '../../../test/harness/app.ts';

t.test('argon2id, and scrypt hashes rehashed at the next login', async (t) => {
  const api = await testApi(t);
  const password = 'correct horse battery staple';
  const made = await api.req('POST', '/v1/users', { body: { username: 'argon-ada', email: 'ada@example.com', password } });
  t.equal(made.status, 201);
  const stored = async (username: string) =>
    (await api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT password_hash FROM users WHERE username = $1', [username])).rows[0].password_hash as string;
  t.match(await stored('argon-ada'), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'a new account: argon2id at OWASP\'s parameters');
  t.equal(needsRehash(await stored('argon-ada')), false);

  // an account from before argon2id
  await api.req('POST', '/v1/users', { body: { username: 'scrypt-bob', email: 'bob@example.com', password: 'placeholder-password' } });
  const old = await scryptHash(password);
  await api.db.exec({ area: 'accounts', mode: 'write' }, 'UPDATE users SET password_hash = $2 WHERE username = $1', ['scrypt-bob', old]);
  t.equal(needsRehash(old), true, 'a scrypt hash is due for replacement');

  t.equal((await api.req('POST', '/v1/sessions', { body: { username: 'scrypt-bob', password: 'wrong password!' } })).status, 401);
  t.equal(await stored('scrypt-bob'), old, 'a wrong password replaces nothing');
  const login = await api.req('POST', '/v1/sessions', { body: { username: 'scrypt-bob', password } });
  t.equal(login.status, 201, 'the old hash still logs in');
  const now = await stored('scrypt-bob');
  t.match(now, /^\$argon2id\$/, 'and is argon2id from then on');
  t.equal((await api.req('POST', '/v1/sessions', { body: { username: 'scrypt-bob', password } })).status, 201, 'which logs in too');
  t.equal(await stored('scrypt-bob'), now, 'and is left alone');

  t.equal(await verifyPassword(password, undefined), false, 'no stored hash: false');
  t.equal(await verifyPassword(password, 'garbage'), false, 'an unknown format: false');
  t.equal(await verifyPassword(password, await hashPassword(password)), true);
  const unknown = await api.req('POST', '/v1/sessions', { body: { username: 'nobody-here', password } });
  t.same([unknown.status, unknown.body.error.code], [401, 'invalid_credentials'], 'an unknown user is answered like a wrong password');
});
