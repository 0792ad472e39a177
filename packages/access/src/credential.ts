// Credentials, for every entry point. Each travels as a bearer token (`Authorization: Bearer
// <token>` on an HTTP request or a websocket upgrade, or a realtime subscription's `key`); its
// prefix says what it is, so resolving it touches only the table that kind lives in.
import { hashToken, safeEqual, tokenPrefix, userFromRow, userSql, type Database, type ForumCache } from '@parley/data';
import { ParleyError, type Actor, type Forum, type User } from '@parley/domain';
import { rolesFromRow, type ForumRoles } from './roles.ts';

export type Credential =
  | { kind: 'none' }
  | { kind: 'admin' }
  | { kind: 'moderator'; forum: Forum }
  | {
      kind: 'user';
      user: User;
      /** the session's token hash (sessions.token_hash) */
      session?: Buffer;
      /** its roles per forum, read with the session */
      roles: ForumRoles;
      /** for a user a site signed in: the other forums the admin linked it to, read with the session */
      links: ReadonlySet<string>;
    }
  | { kind: 'edit'; hash: Buffer };

export interface AuthDeps {
  db: Database;
  forums: ForumCache;
  adminToken: string | undefined;
}

const BEARER = /^Bearer\s+(\S{1,512})\s*$/i;

/** The token in an Authorization header's value: undefined without the header, `unauthorized` when it isn't "Bearer <token>". */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = BEARER.exec(header);
  if (!m) throw new ParleyError('unauthorized', { message: 'The Authorization header must be "Bearer <token>".' });
  return m[1];
}

/** What a token is, or undefined when it is none (unknown, expired, or not a token of ours at all). */
export async function resolveToken(token: string, deps: AuthDeps): Promise<Exclude<Credential, { kind: 'none' }> | undefined> {
  if (token.startsWith(tokenPrefix.moderator)) {
    const forum = await deps.forums.byModeratorKeyHash(hashToken(token));
    return forum ? { kind: 'moderator', forum } : undefined;
  }
  if (token.startsWith(tokenPrefix.user)) {
    const session = hashToken(token);
    // the roles come in the same query: a role removed a moment ago is gone at this request
    const { rows } = await deps.db.exec({ area: 'accounts', mode: 'read' }, userSql.selectSessionUser, [session]);
    return rows.length === 0 ? undefined : sessionCredential(rows[0]);
  }
  if (token.startsWith(tokenPrefix.edit)) return { kind: 'edit', hash: hashToken(token) };
  if (deps.adminToken !== undefined && safeEqual(token, deps.adminToken)) return { kind: 'admin' };
  return undefined;
}

type UserCredential = Extract<Credential, { kind: 'user' }>;

const noLinks: ReadonlySet<string> = new Set();

/** A row of the session query (userSql.selectSessionUser / selectSessionUsers): the user, its roles and its links. */
function sessionCredential(row: Record<string, unknown>): UserCredential {
  const user = userFromRow(row);
  const links = user.ssoForumId !== undefined && Array.isArray(row.linked_forums) && row.linked_forums.length > 0 ? new Set(row.linked_forums.map(String)) : noLinks;
  return { kind: 'user', user, session: row.token_hash as Buffer, roles: rolesFromRow(row.roles, user.ssoForumId), links };
}

/**
 * The sessions among these token hashes that still hold, as credentials, by the hash in hex: one
 * accounts query for them all (realtime re-checks every live subscription's session this way).
 */
export async function resolveSessions(hashes: readonly Buffer[], deps: Pick<AuthDeps, 'db'>): Promise<Map<string, UserCredential>> {
  const found = new Map<string, UserCredential>();
  if (hashes.length === 0) return found;
  const { rows } = await deps.db.exec({ area: 'accounts', mode: 'read' }, userSql.selectSessionUsers, [hashes]);
  for (const row of rows) found.set((row.token_hash as Buffer).toString('hex'), sessionCredential(row));
  return found;
}

/** The credential an Authorization header's value carries; an unknown or expired token is `unauthorized`, never "anonymous". */
export async function credentialOf(header: string | undefined, deps: AuthDeps): Promise<Credential> {
  const token = bearerToken(header);
  if (token === undefined) return { kind: 'none' };
  const c = await resolveToken(token, deps);
  if (!c) throw new ParleyError('unauthorized', { message: 'That token is not valid (or has expired).' });
  return c;
}

/** A user a forum's site signed in (SSO) belongs to that forum, and to those the admin linked it to: anywhere else it is refused. */
export function checkUserForum(c: Credential, forumId: string): void {
  if (c.kind === 'user' && c.user.ssoForumId !== undefined && c.user.ssoForumId !== forumId && !c.links.has(forumId)) {
    throw new ParleyError('forbidden', { message: 'This account was signed in by another forum\'s site; it takes part only there, and in the forums the admin linked it to.' });
  }
}

/** Who the event log records: a moderator account as itself (`user:<id>`), the shared key as `moderator:<forum id>`. */
export function actorOf(c: Credential, guestKey?: string): Actor {
  switch (c.kind) {
    case 'admin': return { kind: 'admin' };
    case 'moderator': return { kind: 'moderator', forumId: c.forum.id };
    case 'user': return { kind: 'user', userId: c.user.id };
    case 'edit': return { kind: 'guest', key: c.hash.toString('hex').slice(0, 16) };
    case 'none': return guestKey ? { kind: 'guest', key: guestKey } : { kind: 'public' };
  }
}
