import { moderates } from '@parley/access';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { threadView } from '@parley/domain';
import { pageContentType } from '@parley/read';
import { credential } from '../auth.ts';
import { matchesEtag, publicPageCacheControl, publicPageHeaders } from '../page-front.ts';
import { createPost } from '../commands/posts.ts';
import { pageOrigin } from '../page-origin.ts';
import { ownPostView, writeClient } from '../own-post-view.ts';
import { answers, CreatedPostAnswer, EventPageAnswer, PostPageAnswer, ThreadAnswer } from '../responses.ts';
import { CreatePostBody, EventsQuery, ListPostsQuery, ThreadParams } from '../schemas.ts';
import type { Services } from '../services.ts';
import { eventViewer, ownShadowedViewer } from '../shadow-view.ts';

/**
 * Sends a page the read model rendered, as is: a string with a JSON content type skips fastify's
 * serializer, so these bytes are what a cache (filled by the API or a worker) would hold too.
 * The route's response schema still documents the page; read's tests check pages against it.
 */
const sendRendered = (reply: FastifyReply, bytes: string) => reply.type(pageContentType).send(bytes);
/** A cached page's bytes, or 304 with no body when the client already holds them. */
const sendCached = (reply: FastifyReply, bytes: Buffer, notModified: boolean) =>
  notModified ? reply.code(304).send() : reply.type(pageContentType).send(bytes);

const threadRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  const cacheControl = publicPageCacheControl(s.config.cacheStaleMs);

  app.get('/v1/threads/:threadId', { schema: { tags: ['threads'], params: ThreadParams, response: answers({ 200: ThreadAnswer }) } }, async (req) => {
    const cred = await credential(req, s);
    const thread = await s.read.thread(req.params.threadId);
    return { thread: threadView(thread, { moderator: moderates(cred, thread.forumId) }) };
  });

  app.get(
    '/v1/threads/:threadId/posts',
    { schema: { tags: ['posts'], params: ThreadParams, querystring: ListPostsQuery, response: answers({ 200: PostPageAnswer }) } },
    async (req, reply) => {
      const cred = await credential(req, s);
      // the thread's forum (remembered per id) also answers 404 for a thread that does not exist,
      // before anything is cached for it
      const forumId = await s.read.locator.forumOfThread(req.params.threadId);
      if (moderates(cred, forumId)) {
        // a moderator's view (held and spam posts) is never cached, here or on the way
        reply.header('cache-control', 'private, no-store');
        return sendRendered(reply, await s.read.renderedPostPage(req.params.threadId, req.query, { moderator: true }));
      }
      // a shadow-banned author sees their own comments as published: a page of their own, never cached
      const own = await ownShadowedViewer(s, cred, req.params.threadId, forumId);
      if (own) {
        reply.header('cache-control', 'private, no-store');
        return sendRendered(reply, await s.read.renderedPostPage(req.params.threadId, req.query, own));
      }
      const { page, key } = await s.read.cachedPostPage(req.params.threadId, req.query, app.pageFront.known(req.raw));
      // the next public request of this URL is the page front's while the copy is fresh
      app.pageFront.learn(req.url, key);
      // Vary: a moderator's request (with Authorization) gets other bytes, and one that brings a
      // position (Parley-Lsn) may get a newer copy: a shared cache keys on both, and on Origin (CORS)
      reply.headers(publicPageHeaders(page, cacheControl));
      return sendCached(reply, page.body, matchesEtag(req.headers['if-none-match'], page.etag));
    },
  );

  app.post(
    '/v1/threads/:threadId/posts',
    { schema: { tags: ['posts'], params: ThreadParams, body: CreatePostBody, response: answers({ 201: CreatedPostAnswer }) } },
    async (req, reply) => {
      const cred = await credential(req, s);
      const { post, editToken } = await createPost(s, cred, req.params.threadId, req.body, pageOrigin(req, s.config.publicUrl), writeClient(req));
      return reply.status(201).send({ post: ownPostView(post, cred), ...(editToken ? { editToken } : {}) });
    },
  );

  app.get(
    '/v1/threads/:threadId/events',
    { schema: { tags: ['events'], params: ThreadParams, querystring: EventsQuery, response: answers({ 200: EventPageAnswer }) } },
    async (req, reply) => {
      const cred = await credential(req, s);
      const forumId = await s.read.locator.forumOfThread(req.params.threadId);
      return sendRendered(reply, await s.read.renderedEventPage(req.params.threadId, req.query, eventViewer(cred, moderates(cred, forumId))));
    },
  );
};

export default threadRoutes;
