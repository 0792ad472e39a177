// CORS for /v1/*: the widget runs on the forum owner's site and calls the API on another origin.
// Every origin may read (threads and posts are public anyway); writes are refused per forum by
// checkOrigin (allowedOrigins), and that refusal carries the CORS headers too, so the widget can
// read the error. No credentials: tokens travel in Authorization, never in cookies, so
// Access-Control-Allow-Credentials is never sent and an echoed origin grants nothing a page
// couldn't do with its own fetch.
import type { FastifyInstance } from 'fastify';

export const CORS_ALLOW_METHODS = 'GET, POST, PATCH, PUT, DELETE';
export const CORS_ALLOW_HEADERS = 'authorization, content-type, x-parley-voter, parley-lsn';
export const CORS_MAX_AGE_SECONDS = 600;

// `null` (sandboxed frames, file:) or scheme://host[:port]. Anything else is not a browser's
// Origin, so it is not echoed.
const ORIGIN = /^(?:null|[a-z][a-z0-9+.-]*:\/\/[a-z0-9.\-[\]:]+)$/i;

/** The origin a reply on /v1/* echoes in Access-Control-Allow-Origin, if any. */
export const echoedOrigin = (origin: string | undefined): string | undefined =>
  origin !== undefined && origin.length <= 300 && ORIGIN.test(origin) ? origin : undefined;

export const CORS_EXPOSE_HEADERS = 'Retry-After, Parley-Lsn';

/**
 * Adds the CORS headers in an onRequest hook registered before the rate limiter, so every reply
 * on /v1/* carries them: answers, refusals (403, 404, 429) and fastify's own errors. Preflights
 * are answered here with 204 and never reach the rate limiter or the router. (The page front,
 * page-front.ts, sends the same headers from echoedOrigin.)
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/v1/')) return;
    // The answer depends on Origin even when none was sent, so shared caches must key on it.
    reply.header('vary', 'Origin');
    const origin = echoedOrigin(req.headers.origin);
    if (origin !== undefined) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', CORS_EXPOSE_HEADERS);
    }
    if (req.method === 'OPTIONS') {
      return reply
        .status(204)
        .header('access-control-allow-methods', CORS_ALLOW_METHODS)
        .header('access-control-allow-headers', CORS_ALLOW_HEADERS)
        .header('access-control-max-age', String(CORS_MAX_AGE_SECONDS))
        .send();
    }
  });
}
