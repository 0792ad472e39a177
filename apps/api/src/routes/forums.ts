import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { moderates } from '@parley/access';
import { forumView, threadView } from '@parley/domain';
import { credential } from '../auth.ts';
import { createForum, getForum, patchForum } from '../commands/forums.ts';
import { getOrCreateThread } from '../commands/threads.ts';
import { answers, CountsAnswer, CreatedForumAnswer, ForumAnswer, ThreadAnswer } from '../responses.ts';
import { CountsBody, CreateForumBody, CreateThreadBody, PatchForumBody, SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const forumRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.post('/v1/forums', { schema: { tags: ['forums'], body: CreateForumBody, response: answers({ 201: CreatedForumAnswer }) } }, async (req, reply) => {
    const { forum, moderatorKey } = await createForum(s, await credential(req, s), req.body);
    return reply.status(201).send({ forum: forumView(forum, { moderator: true }), moderatorKey });
  });

  // the rules (settings.moderation) only to the forum's moderators; everyone else gets the rest
  app.get('/v1/forums/:slug', { schema: { tags: ['forums'], params: SlugParams, response: answers({ 200: ForumAnswer }) } }, async (req) => {
    const forum = await getForum(s, req.params.slug, { fresh: true });
    return { forum: forumView(forum, { moderator: moderates(await credential(req, s), forum.id) }) };
  });

  app.patch(
    '/v1/forums/:slug',
    { schema: { tags: ['forums'], params: SlugParams, body: PatchForumBody, response: answers({ 200: ForumAnswer }) } },
    async (req) => ({ forum: forumView(await patchForum(s, await credential(req, s), req.params.slug, req.body), { moderator: true }) }),
  );

  app.post(
    '/v1/forums/:slug/threads',
    { schema: { tags: ['threads'], params: SlugParams, body: CreateThreadBody, response: answers({ 200: ThreadAnswer, 201: ThreadAnswer }) } },
    async (req, reply) => {
      const forum = await getForum(s, req.params.slug);
      const { thread, created } = await getOrCreateThread(s, await credential(req, s), forum, req.body, req.headers.origin);
      return reply.status(created ? 201 : 200).send({ thread: threadView(thread) });
    },
  );

  // Comment counts for a listing page, many threads in one request; unknown identifiers count 0.
  app.post('/v1/counts', { schema: { tags: ['threads'], body: CountsBody, response: answers({ 200: CountsAnswer }) } }, async (req) => {
    const forum = await getForum(s, req.body.forum);
    return { counts: await s.read.counts(forum, req.body.identifiers) };
  });
};

export default forumRoutes;
