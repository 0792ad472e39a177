import type { FastifyInstance } from 'fastify';
import { credential } from '../auth.ts';
import { createForum, forumView, getForum, patchForum } from '../commands/forums.ts';
import { getOrCreateThread } from '../commands/threads.ts';
import { CountsBody, CreateForumBody, CreateThreadBody, PatchForumBody, SlugParams } from '../schemas.ts';
import { threadSql } from '@parley/data';
import type { Services } from '../services.ts';
import { threadView } from '@parley/domain';

export default function forumRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Body: CreateForumBody }>('/v1/forums', { schema: { tags: ['forums'], body: CreateForumBody } }, async (req, reply) => {
    const { forum, moderatorKey } = await createForum(s, await credential(req, s), req.body);
    return reply.status(201).send({ forum: forumView(forum), moderatorKey });
  });

  app.get<{ Params: { slug: string } }>('/v1/forums/:slug', { schema: { tags: ['forums'], params: SlugParams } }, async (req) => ({
    forum: forumView(await getForum(s, req.params.slug, { fresh: true })),
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

  // Comment counts for a listing page, many threads in one request; unknown identifiers count 0.
  app.post<{ Body: CountsBody }>('/v1/counts', { schema: { tags: ['threads'], body: CountsBody } }, async (req) => {
    const forum = await getForum(s, req.body.forum);
    const { rows } = await s.db.exec({ area: 'content', shard: forum.shard, mode: 'read' }, threadSql.selectCounts, [forum.id, req.body.identifiers]);
    const counts: Record<string, number> = Object.fromEntries(req.body.identifiers.map((id) => [id, 0]));
    for (const r of rows) counts[r.identifier as string] = r.post_count as number;
    return { counts };
  });
}
