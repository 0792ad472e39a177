// Every string a request carries is checked, before any route sees it, for text Postgres cannot
// store (NUL, lone surrogates: checkText in @parley/domain). One hook on the app, so no route can
// forget: the JSON body (keys too), the query string, the path params, and the headers that reach
// the database or a comparison with stored text (the bearer token, X-Parley-Voter, Origin).
import type { FastifyInstance } from 'fastify';
import { checkText, checkTextDeep } from '@parley/domain';

export const CHECKED_HEADERS = ['authorization', 'x-parley-voter', 'origin'] as const;

export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    for (const name of CHECKED_HEADERS) {
      const h = req.headers[name];
      for (const v of Array.isArray(h) ? h : h === undefined ? [] : [h]) checkText(v, `headers.${name}`);
    }
    checkTextDeep(req.params, 'params');
    checkTextDeep(req.query, 'querystring');
    checkTextDeep(req.body, 'body');
  });
}
