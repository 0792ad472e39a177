// Sign-in with an OpenID Connect provider (commands/oidc.ts): the list of providers for the
// widget's buttons, the start (a redirect to the provider), the callback (a page that hands the
// session to the widget's frame, or in redirect mode a redirect back to the host page with a
// one-time code) and the code's redemption. The start and the callback are pages a browser loads in a
// popup: their refusals are HTML pages there (with the same stable code, also posted to the
// opener), and JSON to any other client.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import { OidcClients, parseOidcProviders } from '@parley/access';
import { userView } from '@parley/domain';
import { credential } from '../auth.ts';
import { finishOidc, redeemOidc, startOidc } from '../commands/oidc.ts';
import { listProviders, setForumProvider } from '../commands/oidc-forum.ts';
import { RETRY_AFTER_SECONDS, toParleyError } from '../errors.ts';
import { errorMessage, flowHeaders, sendPopupPage, wantsHtml } from '../oidc-page.ts';
import { answers, NoContent, OidcForumProviderAnswer, OidcProvidersAnswer, OidcRedirect, OidcRedirectBack, OidcSessionAnswer, SessionAnswer } from '../responses.ts';
import { OidcCallbackQuery, OidcForumProviderBody, OidcProviderParams, OidcProvidersQuery, OidcRedeemBody, OidcStartQuery, SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const oidcRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  // read and checked now: a bad provider list stops the start, not a reader's sign-in
  const oidc = new OidcClients(parseOidcProviders(s.config.oidcProviders, s.config.oidcAllowHttp), {
    allowHttp: s.config.oidcAllowHttp,
    publicUrl: s.config.publicUrl,
  });
  const apiOrigin = new URL(s.config.publicUrl).origin;
  const secure = apiOrigin.startsWith('https:');

  /** a refusal: to a browser an HTML page (posting the error to the opener), to others the usual JSON */
  const refuse = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const known = toParleyError(err as Error);
    if (!known || !wantsHtml(req)) throw err;
    if (known.internal) req.log.warn({ err: known.internal, code: known.code }, 'sign-in refused');
    if (known.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return sendPopupPage(reply, known.status, apiOrigin, errorMessage(known));
  };

  app.addHook('onClose', () => oidc.close());

  app.get(
    '/v1/oidc/providers',
    { schema: { tags: ['users'], querystring: OidcProvidersQuery, response: answers({ 200: OidcProvidersAnswer }) } },
    async (req) => ({ providers: await listProviders(s, oidc, req.query.forum) }),
  );

  // a forum's own provider: its moderators set it (the secret is never sent back) or remove it
  app.put(
    '/v1/forums/:slug/oidc',
    { schema: { tags: ['forums'], params: SlugParams, body: OidcForumProviderBody, response: answers({ 200: OidcForumProviderAnswer }) } },
    async (req) => ({ provider: (await setForumProvider(s, await credential(req, s), req.params.slug, req.body))! }),
  );
  app.delete(
    '/v1/forums/:slug/oidc',
    { schema: { tags: ['forums'], params: SlugParams, response: answers({ 204: NoContent }) } },
    async (req, reply) => {
      await setForumProvider(s, await credential(req, s), req.params.slug, null);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/oidc/:provider/start',
    { attachValidation: true, schema: { tags: ['users'], params: OidcProviderParams, querystring: OidcStartQuery, response: answers({ 302: OidcRedirect }) } },
    async (req, reply) => {
      try {
        if (req.validationError) throw req.validationError;
        // a start stores a flow row: it spends the sign-in budget (counted here, so a browser's refusal is the popup page)
        await app.budgets.spend(req, reply, 'login');
        const started = await startOidc(s, oidc, req.params.provider, req.query);
        reply.header('set-cookie', stringifySetCookie({
          name: started.cookie.name,
          value: started.cookie.value,
          httpOnly: true,
          // Lax: the provider sends the browser back with a top-level GET, which carries it
          sameSite: 'lax',
          secure,
          path: '/v1/oidc/',
          maxAge: s.config.oidcFlowSeconds,
        }));
        return reply.headers(flowHeaders).redirect(started.url, 302);
      } catch (err) {
        return refuse(req, reply, err);
      }
    },
  );

  app.get(
    '/v1/oidc/:provider/callback',
    { attachValidation: true, schema: { tags: ['users'], params: OidcProviderParams, querystring: OidcCallbackQuery, response: answers({ 200: OidcSessionAnswer, 302: OidcRedirectBack }) } },
    async (req, reply) => {
      try {
        if (req.validationError) throw req.validationError;
        const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
        const cookies = parseCookie(req.headers.cookie ?? '');
        const done = await finishOidc(s, oidc, req.params.provider, query, cookies);
        // the flow is over: its cookie goes
        reply.header('set-cookie', stringifySetCookie({ name: done.cookie, value: '', httpOnly: true, sameSite: 'lax', secure, path: '/v1/oidc/', maxAge: 0 }));
        if (done.mode === 'redirect') return reply.headers(flowHeaders).redirect(done.location, 302);
        const message = { type: 'parley:session' as const, token: done.token, user: userView(done.user) };
        if (wantsHtml(req)) return sendPopupPage(reply, 200, apiOrigin, message);
        return reply.headers(flowHeaders).send(message);
      } catch (err) {
        return refuse(req, reply, err);
      }
    },
  );

  app.post('/v1/oidc/redeem', { schema: { tags: ['users'], body: OidcRedeemBody, response: answers({ 201: SessionAnswer }) } }, async (req, reply) => {
    const { user, token } = await redeemOidc(s, req.body.code);
    return reply.status(201).headers({ 'cache-control': 'no-store' }).send({ user: userView(user), token });
  });
};

export default oidcRoutes;
