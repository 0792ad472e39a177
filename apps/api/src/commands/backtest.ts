// A rules backtest for a forum's moderators: the proposed rules (a change merged over the forum's
// own) replayed over the forum's past comments (packages/data/src/backtest). Everything that can
// refuse (credential, rules, the one-run-per-forum lock) is settled before the first byte, so a
// refusal is an ordinary error answer; after that the run streams NDJSON lines: one progress line
// per page of the log, then a result line (or an error line). A closed connection cancels it.
import { PassThrough, type Readable } from 'node:stream';
import { requireModerator, type Credential } from '@parley/access';
import { backtestBans, backtestRules, BacktestCancelled, lockBacktest, runBacktest } from '@parley/data';
import { ParleyError } from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

export interface BacktestRequest {
  rules: unknown;
  bans?: unknown;
  maxComments?: number;
}

export async function startBacktest(
  s: Services,
  cred: Credential,
  slug: string,
  body: BacktestRequest,
  opts: { signal: AbortSignal; onFailure: (err: unknown) => void },
): Promise<Readable> {
  const forum = await getForum(s, slug, { fresh: true });
  requireModerator(cred, forum.id);
  const settings = backtestRules(forum.settings.moderation, body.rules);
  const bans = backtestBans(body.bans);
  const limit = s.config.backtestMaxComments;
  if (body.maxComments !== undefined && (!Number.isInteger(body.maxComments) || body.maxComments < 1 || body.maxComments > limit)) {
    throw new ParleyError('invalid_field', { message: `maxComments must be a whole number from 1 to ${limit} (PARLEY_BACKTEST_MAX_COMMENTS).`, details: { maxComments: body.maxComments } });
  }
  const release = await lockBacktest(s.db, forum.id);
  const out = new PassThrough();
  // a client gone mid-run destroys the stream; what the run still has to say goes nowhere
  out.on('error', () => {});
  const line = (o: unknown) => `${JSON.stringify(o)}\n`;
  const say = (o: unknown, end = false) => {
    if (out.destroyed) return;
    if (end) out.end(line(o));
    else out.write(line(o));
  };
  void runBacktest(s.db, {
    forum,
    settings,
    bans,
    maxComments: body.maxComments ?? limit,
    pageSize: s.config.backtestPageSize,
    signal: opts.signal,
    onProgress: (p) => say(p),
  })
    .then((result) => say(result, true))
    .catch((err: unknown) => {
      if (err instanceof BacktestCancelled) return void out.destroy();
      if (!(err instanceof ParleyError)) opts.onFailure(err);
      const known = err instanceof ParleyError ? err : new ParleyError('internal');
      say({ type: 'error', ...known.toJSON() }, true);
    })
    .finally(release);
  return out;
}
