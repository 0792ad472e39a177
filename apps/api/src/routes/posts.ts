import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { postView } from '@parley/domain';
import { credential } from '../auth.ts';
import { editPost, moderatePost } from '../commands/posts.ts';
import { postSource } from '../commands/post-source.ts';
import { ownPostView, writeClient } from '../own-post-view.ts';
import { currentPost, vote } from '../commands/votes.ts';
import { answers, PostAnswer, PostSourceAnswer } from '../responses.ts';
import { EditPostBody, ModerationParams, PostParams, VoteBody } from '../schemas.ts';
import type { Services } from '../services.ts';

const postRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.patch(
    '/v1/posts/:postId',
    { schema: { tags: ['posts'], params: PostParams, body: EditPostBody, response: answers({ 200: PostAnswer }) } },
    async (req) => {
      const cred = await credential(req, s);
      const { post } = await editPost(s, cred, req.params.postId, req.body.message, writeClient(req));
      return { post: ownPostView(post, cred) };
    },
  );

  // the author's own source text, for an editor in a browser that did not write it
  app.get(
    '/v1/posts/:postId/source',
    { schema: { tags: ['posts'], params: PostParams, response: answers({ 200: PostSourceAnswer }) } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return postSource(s, await credential(req, s), req.params.postId);
    },
  );

  app.post(
    '/v1/posts/:postId/:action',
    { schema: { tags: ['moderation'], params: ModerationParams, response: answers({ 200: PostAnswer }) } },
    async (req) => {
      const { post } = await moderatePost(s, await credential(req, s), req.params.postId, req.params.action);
      return { post: postView(post, { moderator: true }) };
    },
  );

  app.put(
    '/v1/posts/:postId/vote',
    { schema: { tags: ['votes'], params: PostParams, body: VoteBody, response: answers({ 200: PostAnswer }) } },
    async (req) => {
      const cred = await credential(req, s);
      const voterHeader = req.headers['x-parley-voter'];
      const result = await vote(s, cred, req.params.postId, req.body.value, Array.isArray(voterHeader) ? voterHeader[0] : voterHeader);
      const post = result.post ?? (await currentPost(s, req.params.postId));
      return { post: postView(post, { moderator: false }) };
    },
  );
};

export default postRoutes;
