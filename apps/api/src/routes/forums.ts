import type { FastifyInstance } from 'fastify';
import { credential } from '../auth.ts';
import { createForum, forumView, getForum, patchForum } from '../commands/forums.ts';
import { getOrCreateThread } from '../commands/threads.ts';
import { CreateForumBody, CreateThreadBody, PatchForumBody, SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';
import { threadView } from '@parley/domain';

export default function forumRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Body: CreateForumBody }>('/v1/forums', { schema: { tags: ['forums'], body: CreateForumBody } }, async (req, reply) => {
    const { forum, moderatorKey } = await createForum(s, await credential(req, s), req.body);
    return reply.status(201).send({ forum: forumView(forum), moderatorKey });
  });

  app.get<{ Params: { slug: string } }>('/v1/forums/:slug', { schema: { tags: ['forums'], params: SlugParams } }, async (req) => ({
    forum: forumView(await getForum(s, req.params.slug)),
  }));

  app.patch<{ Params: { slug: string }; Body: PatchForumBody }>(
    '/v1/forums/:slug',
    { schema: { tags: ['forums'], params: SlugParams, body: PatchForumBody } },
    async (req) => ({ forum: forumView(await patchForum(s, await credential(req, s), req.params.slug, req.body)) }),
  );

  app.post<{ Params: { slug: string }; Body: CreateThreadBody }>(
    '/v1/forums/:slug/threads',
    { schema: { tags: ['threads'], params: SlugParams, body: CreateThreadBody } },
    async (req, reply) => {
      const forum = await getForum(s, req.params.slug);
      const { thread, created } = await getOrCreateThread(s, await credential(req, s), forum, req.body, req.headers.origin);
      return reply.status(created ? 201 : 200).send({ thread: threadView(thread) });
    },
  );
}
