// Bans of a forum (its moderators) and of the whole instance (the admin): create, list, read with
// the retroactive job's progress, lift (commands/bans.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BAN_DURATION_MAX_SECONDS, BAN_REASON_MAX, banView, type BanRecord } from '@parley/domain';
import { credential } from '../auth.ts';
import { createBans, forumScope, getBan, instanceScope, liftBan, listBans } from '../commands/bans.ts';
import { answers, NoContent } from '../responses.ts';
import { SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const strict = { additionalProperties: false } as const;
const when = Type.String({ format: 'date-time' });
const orNull = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Kind = Type.Union([Type.Literal('user'), Type.Literal('email'), Type.Literal('ip'), Type.Literal('range')]);
const Mode = Type.Union([Type.Literal('ban'), Type.Literal('shadow')], {
  description: 'ban: new comments are refused (author_banned); shadow: they are kept, seen by their author only',
});

const CreateBanBody = Type.Object(
  {
    kind: Type.Optional(Kind),
    value: Type.Optional(Type.String({ maxLength: 320, description: 'a user id, an email, an IPv4/IPv6 address or a CIDR range' })),
    postId: Type.Optional(Type.String({ maxLength: 40, description: "ban the author of this comment instead: their account, else their email (never shown)" })),
    includeAddress: Type.Optional(Type.Boolean({ description: 'with postId: ban the address the comment was written from too (never shown)' })),
    mode: Type.Optional(Mode),
    expiresAt: Type.Optional(Type.String({ maxLength: 40, description: 'a suspension: when it ends (in the future)' })),
    durationSeconds: Type.Optional(Type.Integer({ description: `a suspension: how long, 1 to ${BAN_DURATION_MAX_SECONDS}` })),
    reason: Type.Optional(Type.String({ maxLength: BAN_REASON_MAX * 4, description: `for moderators, at most ${BAN_REASON_MAX} characters` })),
    retroactive: Type.Optional(Type.Boolean({ description: "hide the author's existing comments too (a worker job; progress in GET .../bans/:id)" })),
  },
  strict,
);

export const BanViewSchema = Type.Object(
  {
    id: Type.String(),
    forumId: orNull(Type.String()),
    kind: Kind,
    value: orNull(Type.String({ description: 'null for an email or address taken from a comment (postId): never shown' })),
    postId: orNull(Type.String()),
    mode: Mode,
    reason: Type.String(),
    expiresAt: orNull(when),
    createdBy: Type.String({ description: 'who made it, as the event log names actors' }),
    createdAt: when,
    liftedAt: orNull(when),
    liftedBy: orNull(Type.String()),
    active: Type.Boolean({ description: 'neither lifted nor expired' }),
    retroactive: Type.Boolean(),
    retro: orNull(Type.Object({
      status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done')]),
      hidden: Type.Integer({ description: 'comments hidden so far' }),
      total: orNull(Type.Integer({ description: 'comments found so far; final once status is done' })),
    }, strict)),
  },
  strict,
);
const BansAnswer = Type.Object({ bans: Type.Array(BanViewSchema), nextCursor: orNull(Type.String()) });
const CreatedBansAnswer = Type.Object({ bans: Type.Array(BanViewSchema, { description: 'one per identity banned (a postId may give two)' }) });
const BanAnswer = Type.Object({ ban: BanViewSchema });
const BanParams = Type.Object({ slug: Type.String(), id: Type.String() });
const AdminBanParams = Type.Object({ id: Type.String() });
const ListBansQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('all')], { description: 'active (default): in force; all: lifted and expired too' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer()),
  },
  strict,
);

const tags = ['bans'];
const views = (bans: BanRecord[]) => {
  const now = new Date();
  return bans.map((b) => banView(b, now));
};

const banRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.post('/v1/forums/:slug/bans', { schema: { tags, params: SlugParams, body: CreateBanBody, response: answers({ 201: CreatedBansAnswer }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    const bans = await createBans(s, cred, await forumScope(s, cred, req.params.slug), req.body);
    return reply.status(201).send({ bans: views(bans) });
  });

  app.get('/v1/forums/:slug/bans', { schema: { tags, params: SlugParams, querystring: ListBansQuery, response: answers({ 200: BansAnswer }) } }, async (req) => {
    const { bans, nextCursor } = await listBans(s, await forumScope(s, await credential(req, s), req.params.slug), req.query);
    return { bans: views(bans), nextCursor };
  });

  app.get('/v1/forums/:slug/bans/:id', { schema: { tags, params: BanParams, response: answers({ 200: BanAnswer }) } }, async (req) => {
    const ban = await getBan(s, await forumScope(s, await credential(req, s), req.params.slug), req.params.id);
    return { ban: banView(ban, new Date()) };
  });

  app.delete('/v1/forums/:slug/bans/:id', { schema: { tags, params: BanParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    await liftBan(s, cred, await forumScope(s, cred, req.params.slug), req.params.id);
    return reply.status(204).send(null);
  });

  app.post('/v1/admin/bans', { schema: { tags, body: CreateBanBody, response: answers({ 201: CreatedBansAnswer }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    const bans = await createBans(s, cred, instanceScope(cred), req.body);
    return reply.status(201).send({ bans: views(bans) });
  });

  app.get('/v1/admin/bans', { schema: { tags, querystring: ListBansQuery, response: answers({ 200: BansAnswer }) } }, async (req) => {
    const { bans, nextCursor } = await listBans(s, instanceScope(await credential(req, s)), req.query);
    return { bans: views(bans), nextCursor };
  });

  app.get('/v1/admin/bans/:id', { schema: { tags, params: AdminBanParams, response: answers({ 200: BanAnswer }) } }, async (req) => ({
    ban: banView(await getBan(s, instanceScope(await credential(req, s)), req.params.id), new Date()),
  }));

  app.delete('/v1/admin/bans/:id', { schema: { tags, params: AdminBanParams, response: answers({ 204: NoContent }) } }, async (req, reply) => {
    const cred = await credential(req, s);
    await liftBan(s, cred, instanceScope(cred), req.params.id);
    return reply.status(204).send(null);
  });
};

export default banRoutes;
