import type { FastifyInstance } from 'fastify';
import { login, registerUser, userView } from '../commands/users.ts';
import { CreateSessionBody, CreateUserBody } from '../schemas.ts';
import type { Services } from '../services.ts';

export default function userRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Body: CreateUserBody }>('/v1/users', { schema: { tags: ['users'], body: CreateUserBody } }, async (req, reply) => {
    const { user, token } = await registerUser(s, req.body);
    return reply.status(201).send({ user: userView(user), token });
  });
  app.post<{ Body: CreateSessionBody }>('/v1/sessions', { schema: { tags: ['users'], body: CreateSessionBody } }, async (req, reply) => {
    const { user, token } = await login(s, req.body);
    return reply.status(201).send({ user: userView(user), token });
  });
}
