// The forum's origin rule, for every entry point. A forum that lists origins
// (settings.allowedOrigins) is for pages on those origins; an empty list lets any page use it.
// Browsers send Origin on every cross-origin write and on every websocket upgrade, so a request
// without one comes from a server; each entry point below says what such a client may do.
import { ParleyError, type Forum } from '@parley/domain';

/** Whether a page on `origin` may use this forum: any, when the forum lists none. No Origin is never listed. */
export function originAllowed(forum: Forum, origin: string | undefined): boolean {
  const allowed = forum.settings.allowedOrigins;
  return allowed.length === 0 || (origin !== undefined && allowed.includes(origin));
}

/**
 * An HTTP write: refused from a page on an unlisted origin. A write without Origin comes from a
 * server (an integration posting for its users) and passes; it answers for itself.
 */
export function checkOrigin(forum: Forum, origin: string | undefined): void {
  if (origin === undefined || originAllowed(forum, origin)) return;
  throw new ParleyError('origin_not_allowed', { details: { origin: origin.slice(0, 200) } });
}

/**
 * A realtime subscription: only from a listed origin, unless the subscriber moderates the forum
 * (server-side integrators send no Origin and authenticate with the moderator key). Without
 * Origin and without the key it is refused: the list says which sites may show the forum live.
 */
export function checkSubscriptionOrigin(forum: Forum, origin: string | undefined, moderator: boolean): void {
  if (moderator || originAllowed(forum, origin)) return;
  throw new ParleyError('origin_not_allowed', {
    message: `This forum takes subscriptions only from its own sites, not from ${origin?.slice(0, 200) ?? 'a client without an Origin'}.`,
    ...(origin !== undefined ? { details: { origin: origin.slice(0, 200) } } : {}),
  });
}
