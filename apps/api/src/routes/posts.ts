import type { FastifyInstance } from 'fastify';
import { postView, type ModerationAction } from '@parley/domain';
import { credential } from '../auth.ts';
import { editPost, moderatePost } from '../commands/posts.ts';
import { currentPost, vote } from '../commands/votes.ts';
import { EditPostBody, ModerationParams, PostParams, VoteBody } from '../schemas.ts';
import type { Services } from '../services.ts';

type P = { Params: { postId: string } };

export default function postRoutes(app: FastifyInstance, s: Services): void {
  app.patch<P & { Body: EditPostBody }>('/v1/posts/:postId', { schema: { tags: ['posts'], params: PostParams, body: EditPostBody } }, async (req) => {
    const { post } = await editPost(s, await credential(req, s), req.params.postId, req.body.message);
    return { post: postView(post, { moderator: true }) };
  });

  app.post<{ Params: { postId: string; action: ModerationAction } }>(
    '/v1/posts/:postId/:action',
    { schema: { tags: ['moderation'], params: ModerationParams } },
    async (req) => {
      const { post } = await moderatePost(s, await credential(req, s), req.params.postId, req.params.action);
      return { post: postView(post, { moderator: true }) };
    },
  );

  app.put<P & { Body: VoteBody }>('/v1/posts/:postId/vote', { schema: { tags: ['votes'], params: PostParams, body: VoteBody } }, async (req) => {
    const cred = await credential(req, s);
    const voterHeader = req.headers['x-parley-voter'];
    const result = await vote(s, cred, req.params.postId, req.body.value, Array.isArray(voterHeader) ? voterHeader[0] : voterHeader);
    const post = result.post ?? (await currentPost(s, req.params.postId));
    return { post: postView(post, { moderator: false }) };
  });
}
