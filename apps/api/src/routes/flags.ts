// Readers' reports (commands/flags.ts): any reader flags a published comment (spending the flag
// budget, rate-limits.ts); the forum's moderators list a comment's reports.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { flagView, ownFlagView } from '@parley/domain';
import { credential } from '../auth.ts';
import { flagPost, listFlags } from '../commands/flags.ts';
import { answers, FlagAnswer, FlagsAnswer } from '../responses.ts';
import { FlagBody, PostParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const flagRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.post(
    '/v1/posts/:postId/flags',
    { schema: { tags: ['moderation'], params: PostParams, body: FlagBody, response: answers({ 200: FlagAnswer, 201: FlagAnswer }) } },
    async (req, reply) => {
      const voterHeader = req.headers['x-parley-voter'];
      const result = await flagPost(s, await credential(req, s), req.params.postId, req.body, Array.isArray(voterHeader) ? voterHeader[0] : voterHeader);
      return reply.status(result.created ? 201 : 200).send({ flag: ownFlagView(result.flag) });
    },
  );

  app.get(
    '/v1/posts/:postId/flags',
    { schema: { tags: ['moderation'], params: PostParams, response: answers({ 200: FlagsAnswer }) } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const { flags, more } = await listFlags(s, await credential(req, s), req.params.postId);
      return { flags: flags.map(flagView), more };
    },
  );
};

export default flagRoutes;
