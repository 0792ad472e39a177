// Personal data (docs/adr/0011): a signed-in user downloads everything Parley holds about them,
// or deletes their account.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ParleyError } from '@parley/domain';
import { credential } from '../auth.ts';
import { eraseAccount } from '../commands/personal-data-erase.ts';
import { accountOf, exportDocument } from '../commands/personal-data-export.ts';
import { guestAddress, redeemGuestErasure, redeemGuestExport, requestGuestLink } from '../commands/personal-data-guest.ts';
import { AcceptedAnswer, answers, ErasureAnswer, PersonalDataExport } from '../responses.ts';
import { AccountTokenBody, DeleteAccountBody, GuestDataRequestBody } from '../schemas.ts';
import type { Services } from '../services.ts';
import personalDataPages from './personal-data-pages.ts';

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

  // A guest, by the address on their comments. Known address or not, the same answer at the same
  // speed: the lookup and the mail happen after the reply (a crash loses one request, never leaks).
  const pending = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled(pending);
  });
  app.post('/v1/personal-data/requests', { schema: { tags: ['users'], body: GuestDataRequestBody, response: answers({ 202: AcceptedAnswer }) } }, async (req, reply) => {
    const email = guestAddress(req.body.email);
    const work = requestGuestLink(s, email, req.body.action).catch((err: unknown) => req.log.error({ err }, 'personal-data request failed'));
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return reply.status(202).send({ accepted: true as const });
  });
  app.post('/v1/personal-data/export', { schema: { tags: ['users'], body: AccountTokenBody, response: answers({ 200: PersonalDataExport }) } }, async (req, reply) => {
    const { document } = await redeemGuestExport(s, req.body.token);
    return sendExport(reply, 'parley-comments.json', document);
  });
  app.post('/v1/personal-data/erase', { schema: { tags: ['users'], body: AccountTokenBody, response: answers({ 202: ErasureAnswer }) } }, async (req, reply) => {
    return reply.status(202).send({ erasure: await redeemGuestErasure(s, req.body.token) });
  });

  await app.register(personalDataPages);
};

export default personalDataRoutes;
