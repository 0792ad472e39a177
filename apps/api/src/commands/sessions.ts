// A signed-in user's sessions: the list of those still valid, and revocation of one, of the
// current one (log out) or of all (log out everywhere). A session is named by the first bytes of
// its token's hash; the token itself is stored nowhere.
import type { Credential } from '@parley/access';
import { userSql } from '@parley/data';
import { ParleyError, type User } from '@parley/domain';
import type { Services } from '../services.ts';

export interface SessionView {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** the session the request came with */
  current: boolean;
}

const idOf = (hash: Buffer) => hash.subarray(0, userSql.SESSION_ID_BYTES).toString('base64url');

function signedIn(cred: Credential): { user: User; session: Buffer } {
  if (cred.kind !== 'user' || !cred.session) throw new ParleyError('unauthorized', { message: 'This needs a user token (sign in first).' });
  return { user: cred.user, session: cred.session };
}

export async function listSessions(s: Services, cred: Credential): Promise<SessionView[]> {
  const { user, session } = signedIn(cred);
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, userSql.selectSessions, [user.id]);
  return rows.map((r) => ({
    id: idOf(r.token_hash as Buffer),
    createdAt: (r.created_at as Date).toISOString(),
    expiresAt: (r.expires_at as Date).toISOString(),
    current: (r.token_hash as Buffer).equals(session),
  }));
}

/** Ends one of the user's sessions: `current`, or one by its id. */
export async function endSession(s: Services, cred: Credential, id: string): Promise<void> {
  const { user, session } = signedIn(cred);
  const key = id === 'current' ? session.subarray(0, userSql.SESSION_ID_BYTES) : Buffer.from(id, 'base64url');
  if (key.length !== userSql.SESSION_ID_BYTES || (id !== 'current' && idOf(key) !== id)) {
    throw new ParleyError('session_not_found', { details: { id: id.slice(0, 40) } });
  }
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'write' }, userSql.deleteSessionById, [user.id, key]);
  if (rows.length === 0) throw new ParleyError('session_not_found', { details: { id: id.slice(0, 40) } });
}

/** Log out everywhere: every session of the user ends, this one included. */
export async function endAllSessions(s: Services, cred: Credential): Promise<void> {
  const { user } = signedIn(cred);
  await s.db.exec({ area: 'accounts', mode: 'write' }, userSql.deleteSessions, [user.id]);
}
