// The request's credential: the HTTP adapter of @parley/access, whose rules realtime shares.
import type { FastifyRequest } from 'fastify';
import { credentialOf, recordKeyUse, type AuthDeps, type Credential } from '@parley/access';

// Resolved once per request: the rate limits (rate-limits.ts) look at the credential before the
// handler does, and a second session query per write would be waste.
const resolved = new WeakMap<FastifyRequest, Promise<Credential>>();

/**
 * Resolves the request's credential; an unknown or expired token is a 401, never "anonymous".
 * A request the forum's shared key authorizes is logged (forum, route, client address; never the
 * key) and marks the key as used (moderator_key_used_at, throttled) for the forum's owners.
 */
export function credential(req: FastifyRequest, deps: AuthDeps): Promise<Credential> {
  let c = resolved.get(req);
  if (!c) {
    c = resolve(req, deps);
    resolved.set(req, c);
  }
  return c;
}

async function resolve(req: FastifyRequest, deps: AuthDeps): Promise<Credential> {
  const c = await credentialOf(req.headers.authorization, deps);
  if (c.kind === 'moderator') {
    req.log.info({ forum: c.forum.slug, forumId: c.forum.id, method: req.method, route: req.routeOptions.url, ip: req.ip }, 'moderator key used');
    try {
      await recordKeyUse(deps.db, c.forum.id);
    } catch (err) {
      // the request itself does not depend on this bookkeeping; a database that is away says so elsewhere
      req.log.warn({ err, forumId: c.forum.id }, 'could not record the moderator key use');
    }
  }
  return c;
}
