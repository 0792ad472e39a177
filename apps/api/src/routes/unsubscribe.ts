// GET /v1/unsubscribe?token=…: the link at the foot of every reply email. Public: the signed
// token (HMAC-SHA256 with PARLEY_SECRET, packages/data email-token.ts) is the credential. It
// records an opt-out for the address in the token; clicking twice is fine. A browser gets a
// small HTML page, anything else JSON.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { emailSql, verifyUnsubscribe } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { answers, UnsubscribedAnswer } from '../responses.ts';
import type { Services } from '../services.ts';

const UnsubscribeQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const wantsHtml = (req: FastifyRequest): boolean => /\btext\/html\b/.test(req.headers.accept ?? '');

const page = (email: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribed</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>You are unsubscribed</h1>
<p>No more reply emails will be sent to <strong>${escapeHtml(email)}</strong>.</p>
</body></html>
`;

// text, so fastify sends it as is (the response schema describes the JSON answer)
const sendPage = (reply: FastifyReply, email: string) =>
  reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").type('text/html; charset=utf-8').send(page(email));

const unsubscribeRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.get(
    '/v1/unsubscribe',
    { schema: { tags: ['email'], querystring: UnsubscribeQuery, response: answers({ 200: UnsubscribedAnswer }) } },
    async (req, reply) => {
      // Without a secret no token can be genuine.
      const claim = s.config.secret ? verifyUnsubscribe(s.config.secret, req.query.token) : undefined;
      if (!claim) throw new ParleyError('invalid_unsubscribe_token');
      await s.db.exec({ area: 'accounts', mode: 'write' }, emailSql.insertOptout, [claim.email]);
      if (wantsHtml(req)) return sendPage(reply, claim.email);
      return { unsubscribed: true as const, email: claim.email };
    },
  );
};

export default unsubscribeRoutes;
