// Who may subscribe to a thread, and whether they see its hidden events: @parley/access's rules,
// the ones the API applies, through realtime's two ways to authenticate: a subscription's `key`,
// or the bearer token of the connection's upgrade request. Either may be the forum's moderator key,
// the admin token, or the session of an account with a role in the forum (read with the session,
// so a removed role admits nothing from the next subscription on). A moderator subscription keeps
// what admitted it (its grant), which reauth.ts re-checks while it lasts.
import { bearerToken, checkSubscriptionOrigin, hashToken, moderates, resolveToken, type AuthDeps, type Credential } from '@parley/access';
import { ParleyError, type Forum } from '@parley/domain';

export interface Applicant {
  /** the subscribe frame's key */
  key: string | undefined;
  /** the upgrade's bearer token */
  token: string | undefined;
  origin: string | undefined;
}

/**
 * What admitted a moderator subscription, to be re-checked while it lasts: a session or a forum key
 * (by the token's hash; the token itself is not kept), or the admin token (static: never re-checked).
 */
export type Grant = { kind: 'session'; hash: Buffer } | { kind: 'key'; hash: Buffer } | { kind: 'admin' };

/** `userId`: a public subscription of a signed-in account, which sees its own shadowed comments as published. */
export type Admission = { moderator: false; userId?: string } | { moderator: true; grant: Grant } | { refused: ParleyError };

/** The grant of a credential that moderates (admin, a forum's key, a session); the key is known by the hash its token has. */
function grantOf(c: Exclude<Credential, { kind: 'none' }>, token: string): Grant {
  switch (c.kind) {
    case 'admin': return { kind: 'admin' };
    case 'user': return { kind: 'session', hash: c.session ?? hashToken(token) };
    default: return { kind: 'key', hash: hashToken(token) };
  }
}

/**
 * Admits a subscription to a thread of this forum, or says why not. A key that doesn't moderate
 * the forum is refused; the connection's token, when the subscribe brings no key, only decides
 * whether the subscription sees hidden events. A database that is away throws, as it is.
 */
export async function admit(forum: Forum, who: Applicant, deps: AuthDeps): Promise<Admission> {
  const token = who.key ?? who.token;
  const credential = token === undefined ? undefined : await resolveToken(token, deps);
  const moderator = credential !== undefined && moderates(credential, forum.id);
  if (!moderator && who.key !== undefined) return { refused: new ParleyError('unauthorized', { message: "That key is neither this thread's forum moderator key nor the session of one of its moderators." }) };
  try {
    checkSubscriptionOrigin(forum, who.origin, moderator);
  } catch (err) {
    return { refused: err as ParleyError };
  }
  if (!moderator || credential === undefined || token === undefined) return { moderator: false, ...(credential?.kind === 'user' ? { userId: credential.user.id } : {}) };
  return { moderator: true, grant: grantOf(credential, token) };
}

/** The upgrade's bearer token. A malformed Authorization header counts as none: the connection is public, and a subscription can still bring a key. */
export function upgradeToken(header: string | undefined): string | undefined {
  try {
    return bearerToken(header);
  } catch {
    return undefined;
  }
}
