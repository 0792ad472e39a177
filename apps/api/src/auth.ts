// The request's credential; the rules themselves are @parley/access's, shared with realtime.
import type { FastifyRequest } from 'fastify';
import { credentialOf, type AuthDeps, type Credential } from '@parley/access';

export { actorOf, moderates, requireModerator, type AuthDeps, type Credential } from '@parley/access';

/** Resolves the request's credential; an unknown or expired token is a 401, never "anonymous". */
export const credential = (req: FastifyRequest, deps: AuthDeps): Promise<Credential> => credentialOf(req.headers.authorization, deps);
