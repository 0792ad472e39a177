// Request budgets (@fastify/rate-limit): writes, votes, flags and sign-ins, each counted per client
// address (an IPv6 address by its /64) and, but sign-ins, for a signed-in user per account too, so
// an account's budget follows it across addresses. With REDIS_URL the counts live in Redis and hold across API
// processes; while Redis is away each process counts in memory rather than refusing everything or
// letting everything through (the same choice as account-limits.ts). Keys are hashes: neither
// Redis nor memory holds an address or a user id in the clear.
//
// Every request that changes something spends one budget: its route's own (routeBudgets), else
// `write`. Moderators are exempt from `write` in the forums they moderate (the route's forum, from
// its thread, post or slug), the admin everywhere; nobody is exempt from the others.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { moderates, type Credential } from '@parley/access';
import type { Config } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { credential } from './auth.ts';
import type { Services } from './services.ts';

export type Budget = 'write' | 'vote' | 'flag' | 'login';

interface BudgetRule {
  max: number;
  windowMs: number;
  what: string;
}

const budgetRules = (c: Config): Record<Budget, BudgetRule> => ({
  write: { max: c.writeRatePerMinute, windowMs: 60_000, what: 'writes' },
  vote: { max: c.voteRatePerMinute, windowMs: 60_000, what: 'votes' },
  flag: { max: c.flagRatePerHour, windowMs: 3_600_000, what: 'reports' },
  login: { max: c.loginPerAddress, windowMs: c.accountRateWindowSeconds * 1000, what: 'sign-in attempts' },
});

/** Routes (any method) with a budget of their own; the OIDC start spends `login` itself, to refuse with its popup page. */
const routeBudgets: Readonly<Record<string, Budget>> = {
  'PUT /v1/posts/:postId/vote': 'vote',
  'POST /v1/posts/:postId/flags': 'flag',
  'POST /v1/sessions': 'login',
  'POST /v1/oidc/redeem': 'login',
};

const reads = new Set(['GET', 'HEAD', 'OPTIONS']);

function budgetOf(req: FastifyRequest): Budget | undefined {
  const own = routeBudgets[`${req.method} ${req.routeOptions.url ?? ''}`];
  return own ?? (reads.has(req.method) ? undefined : 'write');
}

/** The most that one process remembers per budget and scope in memory (least recently used go first). */
const MEMORY_KEYS = 10_000;

type Check = ReturnType<FastifyInstance['createRateLimit']>;
type Scope = 'address' | 'account';

/** sign-ins count per address only: failed logins per username are account-limits.ts's */
const scopes = (budget: Budget): readonly Scope[] => (budget === 'login' ? ['address'] : ['address', 'account']);

const hashed = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 32);

declare module 'fastify' {
  interface FastifyInstance {
    /** the request budgets: `spend` counts one request against one, for routes that count by hand */
    budgets: RequestBudgets;
  }
}

export class RequestBudgets {
  private readonly checks = new Map<string, { shared: Check; local: Check }>();
  private readonly keys = new WeakMap<FastifyRequest, string>();
  /** when the log last said Redis was away: once a minute is enough */
  private warnedAt = 0;
  private readonly s: Services;
  private readonly rules: Record<Budget, BudgetRule>;

  constructor(s: Services, rules: Record<Budget, BudgetRule>, make: { shared: FastifyInstance['createRateLimit']; local: FastifyInstance['createRateLimit'] }) {
    this.s = s;
    this.rules = rules;
    for (const [budget, rule] of Object.entries(rules)) {
      if (rule.max === 0) continue;
      for (const scope of scopes(budget as Budget)) {
        // the key is worked out by `spend` (it needs the credential); a Redis key names its budget and scope
        const opts = { max: rule.max, timeWindow: rule.windowMs, cache: MEMORY_KEYS, keyGenerator: (req: FastifyRequest) => `${budget}:${scope}:${this.keys.get(req)}` };
        const shared = make.shared(opts);
        this.checks.set(`${budget}:${scope}`, { shared, local: make.local === make.shared ? shared : make.local(opts) });
      }
    }
  }

  /** Counts the request against the budget, by address and (signed in) by account; past either, 429 rate_limited with Retry-After. */
  async spend(req: FastifyRequest, reply: FastifyReply, budget: Budget): Promise<void> {
    if (this.rules[budget].max === 0) return;
    const cred = await credential(req, this.s).catch(() => undefined); // a bad token is the handler's 401
    if (budget === 'write' && (await this.exempt(req, cred))) return;
    await this.count(req, reply, budget, 'address', normalizeIP(req.ip));
    if (cred?.kind === 'user' && scopes(budget).includes('account')) await this.count(req, reply, budget, 'account', cred.user.id);
  }

  private async count(req: FastifyRequest, reply: FastifyReply, budget: Budget, scope: Scope, who: string): Promise<void> {
    const check = this.checks.get(`${budget}:${scope}`)!;
    this.keys.set(req, hashed(who));
    const result = await check.shared(req).catch((err: unknown) => {
      if (Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now();
        req.log.warn({ err }, 'the rate limits\' Redis is unavailable; each process counts alone until it is back');
      }
      return check.local(req);
    });
    if (result.isAllowed || !result.isExceeded) return;
    const wait = Math.max(1, result.ttlInSeconds);
    const rule = this.rules[budget];
    reply.header('retry-after', String(wait));
    throw new ParleyError('rate_limited', {
      message: `Too many ${rule.what} from your ${scope === 'address' ? 'address' : 'account'}; try again in ${wait} s.`,
      details: { limit: `${budget}Per${scope === 'address' ? 'Address' : 'Account'}`, retryAfterSeconds: wait },
    });
  }

  /** Moderators skip the write budget of the forums they moderate; a request that names no forum counts for everyone but the admin. */
  private async exempt(req: FastifyRequest, cred: Credential | undefined): Promise<boolean> {
    if (!cred || cred.kind === 'none' || cred.kind === 'edit') return false;
    if (cred.kind === 'admin') return true;
    if (cred.kind === 'user' && cred.roles.size === 0) return false;
    const forumId = await this.forumOf(req).catch(() => undefined); // an unknown id: the handler's 404
    return forumId !== undefined && moderates(cred, forumId);
  }

  private async forumOf(req: FastifyRequest): Promise<string | undefined> {
    const params = (req.params ?? {}) as Record<string, unknown>;
    if (typeof params.threadId === 'string') return this.s.read.locator.forumOfThread(params.threadId);
    if (typeof params.postId === 'string') return this.s.read.locator.forumOfPost(params.postId);
    if (typeof params.slug === 'string') return (await this.s.forums.bySlug(params.slug))?.id;
    return undefined;
  }
}

/** A createRateLimit of its own scope: the plugin keeps one store per registration, and we want two (Redis, memory). */
async function limiterFactory(app: FastifyInstance, redis?: Redis): Promise<FastifyInstance['createRateLimit']> {
  let make: FastifyInstance['createRateLimit'] | undefined;
  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false, skipOnError: false, ...(redis ? { redis, nameSpace: 'parley:rate:' } : {}) });
    make = (opts) => scope.createRateLimit(opts);
  });
  return make!;
}

/** Registers the budgets: after CORS (a 429 carries its headers, and preflights end before this). */
export async function registerRateLimits(app: FastifyInstance, s: Services): Promise<void> {
  let redis: Redis | undefined;
  if (s.config.redisUrl) {
    // no offline queue: while Redis is down a count fails at once and memory counts instead
    redis = new Redis(s.config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    const client = redis;
    app.addHook('onClose', async () => {
      await client.quit().catch(() => client.disconnect());
    });
  }
  const local = await limiterFactory(app);
  const shared = redis ? await limiterFactory(app, redis) : local;
  const budgets = new RequestBudgets(s, budgetRules(s.config), { shared, local });
  app.decorate('budgets', budgets);
  app.addHook('onRequest', async (req, reply) => {
    const budget = budgetOf(req);
    if (budget) await budgets.spend(req, reply, budget);
  });
}
