// Roles per forum and the forum's shared moderator key: owners and the admin list, grant, change
// and remove roles and rotate the key; an account may step down from its own role.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { ForumRole } from '@parley/domain';
import type { Same } from '@parley/read';
import { credential } from '../auth.ts';
import { grantRole, listRoles, revokeRole, rotateModeratorKey } from '../commands/roles.ts';
import { acceptInvite, cancelInvite, inviteToForum, listInvites } from '../commands/invites.ts';
import invitePage from './invite-page.ts';
import { answers, NoContent } from '../responses.ts';
import { SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const strict = { additionalProperties: false } as const;
const RoleName = Type.Union([Type.Literal('owner'), Type.Literal('moderator')], { description: 'owner: everything the forum\'s key may do, and its roles; moderator: moderation' });
type Holds<T extends true> = T;
/** fails to compile when the domain's roles and this schema differ */
export type RoleNameMatches = Holds<Same<Static<typeof RoleName>, ForumRole>>;
const RoleParams = Type.Object({ slug: Type.String(), userId: Type.String() });
const GrantRoleBody = Type.Object({ role: RoleName }, strict);
const when = Type.String({ format: 'date-time' });
const GrantedRole = Type.Object({
  userId: Type.String(),
  role: RoleName,
  grantedBy: Type.String({ description: 'who granted it, as the event log names actors (admin, user:<id>)' }),
  createdAt: when,
});
const RolesAnswer = Type.Object({
  roles: Type.Array(Type.Object({ ...GrantedRole.properties, username: Type.String() })),
  moderatorKeyUsedAt: Type.Union([when, Type.Null()], { description: 'when the shared moderator key last authorized a request (to the minute); null: not yet' }),
});
const RoleAnswer = Type.Object({ role: GrantedRole });
const ModeratorKeyAnswer = Type.Object({ moderatorKey: Type.String({ description: 'the forum\'s new shared moderator key; shown once, the previous one stops working' }) });

const InviteBody = Type.Object({ email: Type.String({ maxLength: 254 }), role: RoleName }, strict);
const InviteAnswer = Type.Object({
  invite: Type.Object({ email: Type.String(), role: RoleName, expiresAt: Type.String({ format: 'date-time', description: 'when the link stops working' }) }),
});
const InviteParams = Type.Object({ slug: Type.String(), id: Type.String() });
const InvitesAnswer = Type.Object({
  invites: Type.Array(Type.Object({
    id: Type.String({ description: 'the invitation\'s id (not its link, which is never shown again)' }),
    email: Type.String(),
    role: RoleName,
    invitedBy: Type.String({ description: 'who invited, as the event log names actors (admin, user:<id>)' }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('cancelled'), Type.Literal('expired')]),
    createdAt: when,
    expiresAt: when,
  })),
});
const AcceptInviteBody = Type.Object({ token: Type.String({ maxLength: 512, description: 'the token from the link\'s #token= fragment' }) }, strict);

const tags = ['roles'];

const roleRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.get('/v1/forums/:slug/roles', { schema: { tags, params: SlugParams, response: answers({ 200: RolesAnswer }) } }, async (req) =>
    listRoles(s, await credential(req, s), req.params.slug));

  app.put('/v1/forums/:slug/roles/:userId', { schema: { tags, params: RoleParams, body: GrantRoleBody, response: answers({ 200: RoleAnswer }) } }, async (req) => {
    const r = await grantRole(s, await credential(req, s), req.params.slug, req.params.userId, req.body.role);
    return { role: { userId: r.userId, role: r.role, grantedBy: r.grantedBy, createdAt: r.createdAt.toISOString() } };
  });

  app.delete('/v1/forums/:slug/roles/:userId', { schema: { tags, params: RoleParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    await revokeRole(s, await credential(req, s), req.params.slug, req.params.userId);
    return reply.status(204).send(null);
  });

  app.post('/v1/forums/:slug/moderator-key', { schema: { tags, params: SlugParams, response: answers({ 201: ModeratorKeyAnswer }) } }, async (req, reply) =>
    reply.status(201).send({ moderatorKey: await rotateModeratorKey(s, await credential(req, s), req.params.slug) }));

  app.post('/v1/forums/:slug/invites', { schema: { tags, params: SlugParams, body: InviteBody, response: answers({ 202: InviteAnswer }) } }, async (req, reply) =>
    reply.status(202).send({ invite: await inviteToForum(s, await credential(req, s), req.params.slug, req.body) }));

  app.get('/v1/forums/:slug/invites', { schema: { tags, params: SlugParams, response: answers({ 200: InvitesAnswer }) } }, async (req) =>
    ({ invites: await listInvites(s, await credential(req, s), req.params.slug) }));

  app.delete('/v1/forums/:slug/invites/:id', { schema: { tags, params: InviteParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    await cancelInvite(s, await credential(req, s), req.params.slug, req.params.id);
    return reply.status(204).send(null);
  });

  app.post('/v1/forum-invites/accept', { schema: { tags, body: AcceptInviteBody, response: answers({ 200: RoleAnswer }) } }, async (req) => {
    const r = await acceptInvite(s, await credential(req, s), req.body.token);
    return { role: { userId: r.userId, role: r.role, grantedBy: r.grantedBy, createdAt: r.createdAt.toISOString() } };
  });

  await app.register(invitePage);
};

export default roleRoutes;
