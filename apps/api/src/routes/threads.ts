import type { FastifyInstance } from 'fastify';
import { postView, threadView } from '@parley/domain';
import { credential, moderates } from '../auth.ts';
import { createPost } from '../commands/posts.ts';
import { getThread } from '../commands/threads.ts';
import { listEvents } from '../queries/events.ts';
import { listPosts } from '../queries/posts.ts';
import { CreatePostBody, EventsQuery, ListPostsQuery, ThreadParams } from '../schemas.ts';
import type { Services } from '../services.ts';

type P = { Params: { threadId: string } };

export default function threadRoutes(app: FastifyInstance, s: Services): void {
  app.get<P>('/v1/threads/:threadId', { schema: { tags: ['threads'], params: ThreadParams } }, async (req) => {
    const cred = await credential(req, s);
    const thread = await getThread(s, req.params.threadId);
    return { thread: threadView(thread, { moderator: moderates(cred, thread.forumId) }) };
  });

  app.get<P & { Querystring: ListPostsQuery }>(
    '/v1/threads/:threadId/posts',
    { schema: { tags: ['posts'], params: ThreadParams, querystring: ListPostsQuery } },
    async (req) => {
      const cred = await credential(req, s);
      const forumId = await s.threads.forumOf(req.params.threadId);
      return listPosts(s, req.params.threadId, req.query, moderates(cred, forumId));
    },
  );

  app.post<P & { Body: CreatePostBody }>(
    '/v1/threads/:threadId/posts',
    { schema: { tags: ['posts'], params: ThreadParams, body: CreatePostBody } },
    async (req, reply) => {
      const { post, editToken } = await createPost(s, await credential(req, s), req.params.threadId, req.body, req.headers.origin);
      return reply.status(201).send({ post: postView(post, { moderator: true }), ...(editToken ? { editToken } : {}) });
    },
  );

  app.get<P & { Querystring: EventsQuery }>(
    '/v1/threads/:threadId/events',
    { schema: { tags: ['events'], params: ThreadParams, querystring: EventsQuery } },
    async (req) => {
      const cred = await credential(req, s);
      const forumId = await s.threads.forumOf(req.params.threadId);
      return listEvents(s, req.params.threadId, req.query, moderates(cred, forumId));
    },
  );
}
