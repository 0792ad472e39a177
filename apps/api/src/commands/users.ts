import { hashPassword, hashToken, needsRehash, newToken, verifyPassword } from '@parley/access';
import { appendEvent, rethrowConstraint, userFromRow, userSql } from '@parley/data';
import { actorLabel, checkEmail, checkPassword, checkUsername, makeEvent, ParleyError, type User, type UserRegistered } from '@parley/domain';
import type { Services } from '../services.ts';
import type { CreateSessionBody, CreateUserBody } from '../schemas.ts';
import { sendVerification } from './accounts.ts';

// Registering says nothing about the address (emails are not unique, and the answer is the same
// for any); a taken username is said, since usernames are public on comments anyway.
export async function registerUser(s: Services, body: CreateUserBody): Promise<{ user: User; token: string }> {
  const username = checkUsername(body.username);
  const email = checkEmail(body.email.trim());
  const passwordHash = await hashPassword(checkPassword(body.password));
  const token = newToken('user');
  try {
    const user = await s.db.tx({ area: 'accounts' }, async (ex) => {
      const { rows } = await ex.query(userSql.insertUser, [username, email, passwordHash]);
      const user = userFromRow(rows[0]);
      await ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]);
      await appendEvent(ex, { forumId: null, actor: actorLabel({ kind: 'user', userId: user.id }), event: makeEvent<UserRegistered>('UserRegistered', user) });
      // the address is unproven until the link mailed to it is followed
      await sendVerification(s, ex, user, email);
      return user;
    });
    return { user, token };
  } catch (err) {
    rethrowConstraint(err);
  }
}

export async function login(s: Services, body: CreateSessionBody): Promise<{ user: User; token: string }> {
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, userSql.selectUserForLogin, [body.username]);
  const stored = rows[0]?.password_hash as string | undefined;
  const ok = await verifyPassword(body.password, stored);
  if (!ok) throw new ParleyError('invalid_credentials');
  const user = userFromRow(rows[0]);
  const token = newToken('user');
  // an older hash (scrypt) becomes argon2id now that the password is at hand; only if it is still
  // the hash this login verified (a password changed meanwhile wins)
  const rehashed = needsRehash(stored!) ? await hashPassword(body.password) : undefined;
  await s.db.tx({ area: 'accounts' }, async (ex) => {
    if (rehashed) await ex.query(userSql.rehashPassword, [user.id, rehashed, stored]);
    await ex.query(userSql.insertSession, [hashToken(token), user.id, s.config.sessionTtlDays]);
  });
  return { user, token };
}
