// Write rate limit per client address: a token bucket refilled continuously, `perMinute` deep.
// In-process, so with N API processes the effective limit is N times this; HAProxy's stick
// tables are the place for a global one.
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMinute: number;
  private readonly maxKeys: number;

  constructor(perMinute: number, maxKeys = 100_000) {
    this.perMinute = perMinute;
    this.maxKeys = maxKeys;
  }

  /** addresses tracked now (at most maxKeys) */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token; returns seconds to wait when none is left, else 0. */
  take(key: string, now = Date.now()): number {
    if (this.perMinute === 0) return 0;
    const rate = this.perMinute / 60_000;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      b = { tokens: this.perMinute, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate / 1000);
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * (this.perMinute / 60_000) >= this.perMinute) this.buckets.delete(k);
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}
