import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { userView } from '@parley/domain';
import { AccountLimits } from '../account-limits.ts';
import { credential } from '../auth.ts';
import { endAllSessions, endSession, listSessions } from '../commands/sessions.ts';
import { login, registerUser } from '../commands/users.ts';
import { answers, NoContent, SessionAnswer, SessionsAnswer } from '../responses.ts';
import { CreateSessionBody, CreateUserBody, SessionParams } from '../schemas.ts';
import type { Services } from '../services.ts';
import accountRoutes from './accounts.ts';

const userRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  const limits = new AccountLimits(s.config);
  app.addHook('onClose', () => limits.close());
  app.post('/v1/users', { schema: { tags: ['users'], body: CreateUserBody, response: answers({ 201: SessionAnswer }) } }, async (req, reply) => {
    const { user, token } = await registerUser(s, req.body);
    return reply.status(201).send({ user: userView(user), token });
  });
  app.post('/v1/sessions', { schema: { tags: ['users'], body: CreateSessionBody, response: answers({ 201: SessionAnswer }) } }, async (req, reply) => {
    // per address (the login budget, rate-limits.ts), then per username (known or not, alike);
    // counted before the password is checked, so parallel guesses cannot all slip under the
    // limit; a success gives back its own attempt only, never the failures before it
    const attempt = await limits.take(reply, 'loginPerAccount', req.body.username);
    const { user, token } = await login(s, req.body);
    await limits.refund('loginPerAccount', req.body.username, attempt);
    return reply.status(201).send({ user: userView(user), token });
  });
  // the signed-in user's sessions: list them, end one (`current`: log out), or end them all
  app.get('/v1/sessions', { schema: { tags: ['users'], response: answers({ 200: SessionsAnswer }) } }, async (req) => ({
    sessions: await listSessions(s, await credential(req, s)),
  }));
  app.delete('/v1/sessions/:id', { schema: { tags: ['users'], params: SessionParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    await endSession(s, await credential(req, s), req.params.id);
    return reply.status(204).send(null);
  });
  app.delete('/v1/sessions', { schema: { tags: ['users'], response: answers({ 204: NoContent }) } }, async (req, reply) => {
    await endAllSessions(s, await credential(req, s));
    return reply.status(204).send(null);
  });
  await app.register(accountRoutes, { services: s, limits });
};

export default userRoutes;
