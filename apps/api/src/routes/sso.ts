import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { userView } from '@parley/domain';
import { credential } from '../auth.ts';
import { disqusSso, jwtSso, rotateSsoSecret } from '../commands/sso.ts';
import { answers, SessionAnswer, SsoAnswer, SsoSecretAnswer } from '../responses.ts';
import { DisqusSsoBody, JwtSsoBody, SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const ssoRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  // The widget hands over the host page's remote_auth_s3 value; the site's own user becomes the
  // forum's user and gets a session, or (the signed empty object) nobody is signed in.
  app.post('/v1/sso/disqus', { schema: { tags: ['users'], body: DisqusSsoBody, response: answers({ 200: SsoAnswer }) } }, async (req) => {
    const r = await disqusSso(s, req.body);
    return r.user ? { user: userView(r.user), token: r.token } : { user: null, token: null };
  });

  app.post('/v1/sso/jwt', { schema: { tags: ['users'], body: JwtSsoBody, response: answers({ 200: SessionAnswer }) } }, async (req) => {
    const r = await jwtSso(s, req.body);
    return { user: userView(r.user), token: r.token };
  });

  app.post(
    '/v1/forums/:slug/sso-secret',
    { schema: { tags: ['forums'], params: SlugParams, response: answers({ 201: SsoSecretAnswer }) } },
    async (req, reply) => reply.status(201).send({ secret: await rotateSsoSecret(s, await credential(req, s), req.params.slug) }),
  );
};

export default ssoRoutes;
