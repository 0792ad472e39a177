// The request's credential: the HTTP adapter of @parley/access, whose rules realtime shares.
import type { FastifyRequest } from 'fastify';
import { credentialOf, type AuthDeps, type Credential } from '@parley/access';

/** Resolves the request's credential; an unknown or expired token is a 401, never "anonymous". */
export const credential = (req: FastifyRequest, deps: AuthDeps): Promise<Credential> => credentialOf(req.headers.authorization, deps);
