// Secrets: new bearer tokens (shown once; only their hashes are stored) and password hashes.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { tokenPrefix } from '@parley/data';

export { hashToken, safeEqual, tokenPrefix } from '@parley/data';

export const newToken = (kind: keyof typeof tokenPrefix): string => tokenPrefix[kind] + randomBytes(24).toString('base64url');

// Passwords: scrypt from node:crypto (OpenSSL), N=2^14, r=8, p=1, 16-byte salt, 32-byte key.
const N = 16384, r = 8, p = 1, keylen = 32;
const scrypt = (pw: BinaryLike, salt: BinaryLike, len: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, keylen, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  // Without a stored hash, still spend the time, so a missing user isn't faster than a wrong password.
  const [, n, rr, pp, salt, key] = (stored ?? `scrypt$${N}$${r}$${p}$AAAAAAAAAAAAAAAAAAAAAA$`).split('$');
  const expected = Buffer.from(key ?? '', 'base64url');
  const got = await scrypt(password, Buffer.from(salt, 'base64url'), keylen, { N: Number(n), r: Number(rr), p: Number(pp) });
  return stored !== undefined && expected.length === got.length && timingSafeEqual(expected, got);
}
