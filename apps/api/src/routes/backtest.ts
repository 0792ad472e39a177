// POST /v1/forums/:slug/rules/backtest: what a proposed rule set would have done to the forum's past
// comments, against what happened to them. Answers NDJSON, streamed: progress lines, then a result
// line. Closing the connection cancels the run.
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { credential } from '../auth.ts';
import { startBacktest } from '../commands/backtest.ts';
import { answers } from '../responses.ts';
import { ModerationSettingsPatch, SlugParams } from '../schemas.ts';
import type { Services } from '../services.ts';

const BacktestBody = Type.Object(
  {
    rules: ModerationSettingsPatch,
    bans: Type.Optional(Type.Array(Type.Object(
      {
        kind: Type.Union([Type.Literal('user'), Type.Literal('email'), Type.Literal('ip'), Type.Literal('range')]),
        value: Type.String({ minLength: 1, maxLength: 320, description: 'a user id, an email address, an IP address or a CIDR range' }),
        mode: Type.Optional(Type.Union([Type.Literal('ban'), Type.Literal('shadow')])),
        expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
        reason: Type.Optional(Type.String({ maxLength: 500 })),
      },
      { additionalProperties: false },
    ), { maxItems: 1000, description: 'bans to replay with, applied to every comment (the log keeps none; default none)' })),
    maxComments: Type.Optional(Type.Integer({ minimum: 1, description: 'comments judged at most; default and ceiling PARLEY_BACKTEST_MAX_COMMENTS' })),
  },
  { additionalProperties: false },
);

const BacktestStream = Type.String({
  description:
    'application/x-ndjson, streamed: lines {"type":"progress","comments","events","elapsedMs","perSecond"} (one per page of the log), ' +
    'then one {"type":"result", matrix (verdict × fate), verdicts, reasons, falsePositives {count, sample}, misses {count, sample}, skipped, truncated, rules, assumptions, …} ' +
    'or {"type":"error","error":{code,message}} (docs/api.md)',
});

const backtestRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  app.post('/v1/forums/:slug/rules/backtest', {
    schema: { tags: ['moderation'], params: SlugParams, body: BacktestBody, response: answers({ 200: BacktestStream }) },
  }, async (req, reply) => {
    // the client going away before the result stops the run at its next page (after the result, nothing to stop)
    const cancel = new AbortController();
    reply.raw.on('close', () => cancel.abort());
    const stream = await startBacktest(s, await credential(req, s), req.params.slug, req.body, {
      signal: cancel.signal,
      onFailure: (err) => req.log.error({ err }, 'backtest failed'),
    });
    return sendLines(reply, stream);
  });
};

/** NDJSON as it is produced: no cache may keep it (it is about moderation). */
function sendLines(reply: FastifyReply, stream: Readable): FastifyReply {
  return reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(stream);
}

export default backtestRoutes;
