// Failed logins per username, and password-reset limits (rate-limiter-flexible): per account
// (username or email) and per client address, each a fixed window of PARLEY_ACCOUNT_RATE_WINDOW_SECONDS. With REDIS_URL
// every API process counts in Redis, so the limit is global; Redis away, each process falls back
// to counting in memory (the insurance limiter) rather than refusing or letting everything pass.
// Keys are hashes: neither Redis nor memory holds a username or an address in the clear.
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '@parley/data';
import { ParleyError } from '@parley/domain';

export const accountLimitNames = ['loginPerAccount', 'resetPerAddress', 'resetPerEmail'] as const;
export type AccountLimitName = (typeof accountLimitNames)[number];

const refusal: Record<AccountLimitName, string> = {
  loginPerAccount: 'Too many failed sign-in attempts for this username',
  resetPerAddress: 'Too many password-reset requests from your address',
  resetPerEmail: 'Too many emails asked for this address',
};

/** a refund needs this much of its window left, so it never lands in the next one */
const REFUND_MARGIN_MS = 10_000;

const keyOf = (key: string): string => createHash('sha256').update(key.trim().toLowerCase()).digest('base64url').slice(0, 32);

export class AccountLimits {
  private readonly limiters = new Map<AccountLimitName, RateLimiterAbstract>();
  private readonly redis?: Redis;

  constructor(config: Config) {
    if (config.redisUrl) {
      // no offline queue: while Redis is down a count fails at once and the insurance limiter counts
      this.redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      this.redis.on('error', () => {});
    }
    for (const name of accountLimitNames) {
      const points = config[name];
      if (points === 0) continue;
      const opts = { points, duration: config.accountRateWindowSeconds, keyPrefix: `parley:limit:${name}` };
      const memory = new RateLimiterMemory(opts);
      this.limiters.set(name, this.redis ? new RateLimiterRedis({ ...opts, storeClient: this.redis, insuranceLimiter: memory, rejectIfRedisNotReady: true }) : memory);
    }
  }

  /** Counts one attempt; past the limit, answers 429 rate_limited with Retry-After. What it counted: for `refund`. */
  async take(reply: FastifyReply, name: AccountLimitName, key: string): Promise<RateLimiterRes | undefined> {
    const limiter = this.limiters.get(name);
    if (!limiter) return undefined;
    try {
      return await limiter.consume(keyOf(key));
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const wait = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      reply.header('retry-after', String(wait));
      throw new ParleyError('rate_limited', { message: `${refusal[name]}; try again in ${wait} s.`, details: { limit: name, retryAfterSeconds: wait } });
    }
  }

  /**
   * Gives back the one attempt `take` counted (a login that succeeded is no failure). Only that
   * one: clearing the whole count would hand an attacker whose guesses interleave with the
   * owner's logins fresh tries each time. Near the window's end nothing is given back, since a
   * refund landing in the next window would be a credit there.
   */
  async refund(name: AccountLimitName, key: string, taken: RateLimiterRes | undefined): Promise<void> {
    const limiter = this.limiters.get(name);
    if (!limiter || !taken || taken.msBeforeNext < REFUND_MARGIN_MS) return;
    await limiter.reward(keyOf(key), 1);
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
