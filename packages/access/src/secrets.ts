// Secrets: new bearer tokens (shown once; only their hashes are stored) and password hashes.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import { tokenPrefix } from '@parley/data';

export { hashToken, safeEqual, tokenPrefix } from '@parley/data';

export const newToken = (kind: keyof typeof tokenPrefix): string => tokenPrefix[kind] + randomBytes(24).toString('base64url');

// Passwords: argon2id (@node-rs/argon2) at OWASP's parameters: 19 MiB, 2 passes, 1 lane. Hashes
// made before it are scrypt (node:crypto, N=2^14, r=8, p=1, 16-byte salt, 32-byte key): they still
// verify, and `needsRehash` tells the login to replace them with argon2id.
const ARGON2 = { algorithm: 2 as Algorithm /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const N = 16384, r = 8, p = 1, keylen = 32;
const scrypt = (pw: BinaryLike, salt: BinaryLike, len: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));

export const hashPassword = (password: string): Promise<string> => argon2Hash(password, ARGON2);

/** The hash format before argon2id, kept to verify (and then replace) the hashes made with it. */
export async function scryptHash(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, keylen, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A hash made once, that nothing matches: a missing user costs the same time as a wrong password. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(password: string, stored: string | undefined | null): Promise<boolean> {
  if (!stored) {
    await argon2Verify(await (decoy ??= argon2Hash(randomBytes(16).toString('hex'), ARGON2)), password).catch(() => false);
    return false;
  }
  if (stored.startsWith('$argon2')) return argon2Verify(stored, password).catch(() => false);
  const [kind, n, rr, pp, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await scrypt(password, Buffer.from(salt, 'base64url'), keylen, { N: Number(n), r: Number(rr), p: Number(pp) });
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** A stored hash that is not argon2id at today's parameters: the next successful login replaces it. */
export const needsRehash = (stored: string): boolean =>
  !stored.startsWith(`$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`);
