// GET /v1/unsubscribe?token=…: the link at the foot of every reply email. Public: the signed
// token (HMAC-SHA256 with PARLEY_SECRET, packages/data email-token.ts) is the credential. It
// records an opt-out for the address in the token; clicking twice is fine. A browser gets a
// small HTML page, anything else JSON.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { emailSql, verifyUnsubscribe } from '@parley/data';
import { ParleyError } from '@parley/domain';
import type { Services } from '../services.ts';

const UnsubscribeQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
type UnsubscribeQuery = Static<typeof UnsubscribeQuery>;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const wantsHtml = (req: FastifyRequest): boolean => /\btext\/html\b/.test(req.headers.accept ?? '');

const page = (email: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribed</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>You are unsubscribed</h1>
<p>No more reply emails will be sent to <strong>${escapeHtml(email)}</strong>.</p>
</body></html>
`;

export default function unsubscribeRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Querystring: UnsubscribeQuery }>(
    '/v1/unsubscribe',
    { schema: { tags: ['email'], querystring: UnsubscribeQuery } },
    async (req, reply) => {
      // Without a secret no token can be genuine.
      const claim = s.config.secret ? verifyUnsubscribe(s.config.secret, req.query.token) : undefined;
      if (!claim) throw new ParleyError('invalid_unsubscribe_token');
      await s.db.exec({ area: 'accounts', mode: 'write' }, emailSql.insertOptout, [claim.email]);
      if (wantsHtml(req)) {
        return reply
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
          .type('text/html; charset=utf-8')
          .send(page(claim.email));
      }
      return { unsubscribed: true, email: claim.email };
    },
  );
}
