// Credentials. Every one travels as `Authorization: Bearer <token>`; the prefix says what it is.
// Resolution is lazy: a route asks for what it needs, so a public read never touches accounts.
import type { FastifyRequest } from 'fastify';
import type { Database } from '@parley/data';
import { userFromRow, userSql } from '@parley/data';
import { ParleyError, type Actor, type Forum, type User } from '@parley/domain';
import type { ForumCache } from '@parley/data';
import { hashToken, safeEqual, tokenPrefix } from './secrets.ts';

export type Credential =
  | { kind: 'none' }
  | { kind: 'admin' }
  | { kind: 'moderator'; forum: Forum }
  | { kind: 'user'; user: User }
  | { kind: 'edit'; hash: Buffer };

export interface AuthDeps {
  db: Database;
  forums: ForumCache;
  adminToken: string | undefined;
}

export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(h);
  if (!m) throw new ParleyError('unauthorized', { message: 'The Authorization header must be "Bearer <token>".' });
  return m[1];
}

/** Resolves the request's credential; an unknown or expired token is a 401, never "anonymous". */
export async function credential(req: FastifyRequest, deps: AuthDeps): Promise<Credential> {
  const token = bearer(req);
  if (token === undefined) return { kind: 'none' };
  if (token.startsWith(tokenPrefix.moderator)) {
    const forum = await deps.forums.byModeratorKeyHash(hashToken(token));
    if (forum) return { kind: 'moderator', forum };
  } else if (token.startsWith(tokenPrefix.user)) {
    const { rows } = await deps.db.exec({ area: 'accounts', mode: 'read' }, userSql.selectSessionUser, [hashToken(token)]);
    if (rows.length) return { kind: 'user', user: userFromRow(rows[0]) };
  } else if (token.startsWith(tokenPrefix.edit)) {
    return { kind: 'edit', hash: hashToken(token) };
  } else if (deps.adminToken !== undefined && safeEqual(token, deps.adminToken)) {
    return { kind: 'admin' };
  }
  throw new ParleyError('unauthorized', { message: 'That token is not valid (or has expired).' });
}

/** True when the credential may moderate this forum. */
export const moderates = (c: Credential, forumId: string): boolean =>
  c.kind === 'admin' || (c.kind === 'moderator' && c.forum.id === forumId);

export function requireModerator(c: Credential, forumId: string): void {
  if (c.kind === 'none') throw new ParleyError('unauthorized', { message: "This needs the forum's moderator key." });
  if (!moderates(c, forumId)) throw new ParleyError('forbidden', { message: "This needs the moderator key of this comment's forum." });
}

export function actorOf(c: Credential, guestKey?: string): Actor {
  switch (c.kind) {
    case 'admin': return { kind: 'admin' };
    case 'moderator': return { kind: 'moderator', forumId: c.forum.id };
    case 'user': return { kind: 'user', userId: c.user.id };
    case 'edit': return { kind: 'guest', key: c.hash.toString('hex').slice(0, 16) };
    case 'none': return guestKey ? { kind: 'guest', key: guestKey } : { kind: 'public' };
  }
}
