// Personal data (docs/adr/0011): a signed-in user downloads everything Parley holds about them,
// or deletes their account.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ParleyError } from '@parley/domain';
import { credential } from '../auth.ts';
import { eraseAccount } from '../commands/personal-data-erase.ts';
import { accountOf, exportDocument } from '../commands/personal-data-export.ts';
import { answers, ErasureAnswer, PersonalDataExport } from '../responses.ts';
import { DeleteAccountBody } from '../schemas.ts';
import type { Services } from '../services.ts';

/** Streams an export: nothing of it may be cached, and browsers save it as a file. */
export function sendExport(reply: import('fastify').FastifyReply, filename: string, doc: AsyncGenerator<string>) {
  return reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(doc));
}

const personalDataRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.get('/v1/users/me/export', { schema: { tags: ['users'], response: answers({ 200: PersonalDataExport }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    if (cred.kind !== 'user') throw new ParleyError('unauthorized', { message: 'Exporting your data needs your user token (sign in first).' });
    // read before the first byte goes out: a vanished account is still a clean 401
    const account = await accountOf(s.db, cred.user.id);
    if (!account) throw new ParleyError('unauthorized', { message: 'That token is not valid (or has expired).' });
    const email = typeof account.email === 'string' ? account.email.toLowerCase() : null;
    return sendExport(reply, `parley-user-${cred.user.id}.json`, exportDocument(s.db, { userId: cred.user.id, email }, account));
  });

  app.delete('/v1/users/me', { schema: { tags: ['users'], body: DeleteAccountBody, response: answers({ 202: ErasureAnswer }) } }, async (req, reply) => {
    const erasure = await eraseAccount(s, await credential(req, s), req.body);
    return reply.status(202).send({ erasure });
  });
};

export default personalDataRoutes;
