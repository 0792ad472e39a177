// The signed-in user's account, and the two mailed links (verify the address, reset a password).
// Registered by the user routes, which share their AccountLimits with it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizeEmail } from '@parley/data';
import { checkEmail, userView } from '@parley/domain';
import { credential } from '../auth.ts';
import type { AccountLimits } from '../account-limits.ts';
import { confirmPasswordReset, getAccount, requestPasswordReset, resendVerification, updateProfile, verifyEmail } from '../commands/accounts.ts';
import { AcceptedAnswer, AccountAnswer, answers, SessionAnswer, UserAnswer } from '../responses.ts';
import { AccountTokenBody, PasswordResetBody, PasswordResetConfirmBody, ProfilePatch } from '../schemas.ts';
import type { Services } from '../services.ts';
import accountPages from './account-pages.ts';

const accountRoutes: FastifyPluginAsyncTypebox<{ services: Services; limits: AccountLimits }> = async (app, { services: s, limits }) => {
  app.get('/v1/users/me', { schema: { tags: ['users'], response: answers({ 200: AccountAnswer }) } }, async (req) => getAccount(s, await credential(req, s)));

  // a new address and a resend each mail a verification link: counted per account, so a session
  // cannot mail any address it likes without end
  app.patch('/v1/users/me', { schema: { tags: ['users'], body: ProfilePatch, response: answers({ 200: AccountAnswer }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    if (cred.kind === 'user' && req.body.email !== undefined) await limits.take(reply, 'resetPerEmail', `user:${cred.user.id}`);
    return updateProfile(s, cred, req.body);
  });

  app.post('/v1/users/me/verification-email', { schema: { tags: ['users'], response: answers({ 202: AcceptedAnswer }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    if (cred.kind === 'user') await limits.take(reply, 'resetPerEmail', `user:${cred.user.id}`);
    await resendVerification(s, cred);
    return reply.status(202).send({ accepted: true as const });
  });

  app.post('/v1/email-verifications', { schema: { tags: ['users'], body: AccountTokenBody, response: answers({ 200: UserAnswer }) } }, async (req) => ({
    user: userView(await verifyEmail(s, req.body)),
  }));

  // Known address or not, the same answer after the same single write (an event with the address
  // only): the lookup and the mails happen in the worker, so the answer tells nothing, and a 202
  // survives a crash of this process.
  app.post('/v1/password-resets', { schema: { tags: ['users'], body: PasswordResetBody, response: answers({ 202: AcceptedAnswer }) } }, async (req, reply) => {
    const email = checkEmail(req.body.email.trim());
    await limits.take(reply, 'resetPerAddress', req.ip);
    await limits.take(reply, 'resetPerEmail', normalizeEmail(email));
    await requestPasswordReset(s, email);
    return reply.status(202).send({ accepted: true as const });
  });

  app.post('/v1/password-resets/confirm', { schema: { tags: ['users'], body: PasswordResetConfirmBody, response: answers({ 201: SessionAnswer }) } }, async (req, reply) => {
    const { user, token } = await confirmPasswordReset(s, req.body);
    return reply.status(201).send({ user: userView(user), token });
  });

  await app.register(accountPages);
};

export default accountRoutes;
