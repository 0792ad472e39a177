// The admin's links of a user a forum's site signed in (single sign-on) to other forums, so it may
// take part there too (commands/user-links.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { credential } from '../auth.ts';
import { linkUser, listUserLinks, unlinkUser } from '../commands/user-links.ts';
import { answers, NoContent } from '../responses.ts';
import type { Services } from '../services.ts';

const LinkParams = Type.Object({ userId: Type.String(), slug: Type.String() });
const UserParams = Type.Object({ userId: Type.String() });
const Link = Type.Object({
  userId: Type.String(),
  forumId: Type.String(),
  slug: Type.Union([Type.String(), Type.Null()], { description: "the forum's slug; null once the forum no longer exists" }),
  linkedBy: Type.String({ description: 'who linked it, as the event log names actors (admin)' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const LinkAnswer = Type.Object({ link: Link });
const LinksAnswer = Type.Object({ links: Type.Array(Link) });

const tags = ['users'];

const userLinkRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.get('/v1/admin/users/:userId/forums', { schema: { tags, params: UserParams, response: answers({ 200: LinksAnswer }) } }, async (req) =>
    ({ links: await listUserLinks(s, await credential(req, s), req.params.userId) }));

  app.put('/v1/admin/users/:userId/forums/:slug', { schema: { tags, params: LinkParams, response: answers({ 200: LinkAnswer }) } }, async (req) =>
    ({ link: await linkUser(s, await credential(req, s), req.params.userId, req.params.slug) }));

  app.delete('/v1/admin/users/:userId/forums/:slug', { schema: { tags, params: LinkParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    await unlinkUser(s, await credential(req, s), req.params.userId, req.params.slug);
    return reply.status(204).send(null);
  });
};

export default userLinkRoutes;
