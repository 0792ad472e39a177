import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { userView } from '@parley/domain';
import { login, registerUser } from '../commands/users.ts';
import { answers, SessionAnswer } from '../responses.ts';
import { CreateSessionBody, CreateUserBody } from '../schemas.ts';
import type { Services } from '../services.ts';

const userRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.post('/v1/users', { schema: { tags: ['users'], body: CreateUserBody, response: answers({ 201: SessionAnswer }) } }, async (req, reply) => {
    const { user, token } = await registerUser(s, req.body);
    return reply.status(201).send({ user: userView(user), token });
  });
  app.post('/v1/sessions', { schema: { tags: ['users'], body: CreateSessionBody, response: answers({ 201: SessionAnswer }) } }, async (req, reply) => {
    const { user, token } = await login(s, req.body);
    return reply.status(201).send({ user: userView(user), token });
  });
};

export default userRoutes;
