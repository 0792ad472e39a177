// Who may subscribe to a thread, and whether they see its hidden events: @parley/access's rules,
// the ones the API applies, through realtime's two ways to authenticate: a subscription's `key`,
// or the bearer token of the connection's upgrade request. Either may be the forum's moderator key,
// the admin token, or the session of an account with a role in the forum (read with the session,
// so a removed role admits nothing from the next subscription on).
import { bearerToken, checkSubscriptionOrigin, moderates, resolveToken, type AuthDeps } from '@parley/access';
import { ParleyError, type Forum } from '@parley/domain';

export interface Applicant {
  /** the subscribe frame's key */
  key: string | undefined;
  /** the upgrade's bearer token */
  token: string | undefined;
  origin: string | undefined;
}

export type Admission = { moderator: boolean } | { refused: ParleyError };

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
  return { moderator };
}

/** The upgrade's bearer token. A malformed Authorization header counts as none: the connection is public, and a subscription can still bring a key. */
export function upgradeToken(header: string | undefined): string | undefined {
  try {
    return bearerToken(header);
  } catch {
    return undefined;
  }
}
