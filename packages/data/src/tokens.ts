// Bearer tokens carry a prefix that says what they are; only their hashes are stored. Shared by
// the API and the realtime tier, which both resolve moderator keys.
import { createHash, timingSafeEqual } from 'node:crypto';

export const tokenPrefix = { moderator: 'pmk_', user: 'put_', edit: 'pet_' } as const;

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

export const safeEqual = (a: string, b: string): boolean => {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
};
