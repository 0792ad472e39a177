// A memcached pool (MEMCACHED_SERVERS) behind the ByteCache seam (docs/adr/0010):
// - keys are placed on a ketama-compatible ring (`hashring`, libketama's 160 points per server),
//   so losing one of n servers moves only the keys it held, about 1/n;
// - each server has its own client (`memcache-client`: the ASCII protocol, multi-key get, short
//   connect and command timeouts);
// - a server whose connection fails (refused, reset) is ejected from the ring at once, and one
//   whose commands time out 3 times in a row over at least one timeout period likewise. A late
//   answer is as likely this process's own busy event loop as the server: one long tick times out
//   every command in flight at once, and ejecting a healthy server on that splits the ring
//   between processes (each then reads and writes a key on another server). It is tried again after
//   `retryMs`; its keys fall to the next servers on the ring meanwhile. A dead server therefore
//   costs a few timeouts, not one per request.
import HashRing from 'hashring';
import { MemcacheClient } from 'memcache-client';
import type { ByteCache } from './byte-cache.ts';

export interface MemcachedPoolOptions {
  /** connect and command timeout, ms (default 100) */
  timeoutMs?: number;
  /** how long an ejected server stays out before it is tried again, ms (default 10,000) */
  retryMs?: number;
  /** told when a server leaves or rejoins the ring */
  log?: (line: string) => void;
}

const TIMEOUTS_TO_EJECT = 3;

export class MemcachedPool implements ByteCache {
  readonly kind: string;
  private readonly ring: HashRing;
  private readonly clients = new Map<string, MemcacheClient>();
  private readonly ejected = new Map<string, NodeJS.Timeout>();
  /** command timeouts in a row, per server, and when the first of them was seen */
  private readonly timeouts = new Map<string, { n: number; since: number; last: number }>();
  private readonly timeoutMs: number;
  /** the gets of this turn of the event loop, by key */
  private batch: Map<string, { promise: Promise<Buffer | undefined>; resolve: (v: Buffer | undefined) => void }> | undefined;
  private readonly retryMs: number;
  private readonly log: (line: string) => void;
  private closed = false;

  constructor(servers: readonly string[], opts: MemcachedPoolOptions = {}) {
    if (servers.length === 0) throw new Error('a memcached pool needs at least one server');
    const timeout = opts.timeoutMs ?? 100;
    this.timeoutMs = timeout;
    this.retryMs = opts.retryMs ?? 10_000;
    this.log = opts.log ?? (() => {});
    this.kind = `memcached (${servers.length} server${servers.length === 1 ? '' : 's'})`;
    this.ring = new HashRing([...servers]);
    for (const server of servers) {
      this.clients.set(server, new MemcacheClient({ server, cmdTimeout: timeout, connectTimeout: timeout, noDelay: true }));
    }
  }

  /** The server a key lives on now (undefined when every server is ejected). */
  serverFor(key: string): string | undefined {
    return this.ejected.size === this.clients.size ? undefined : this.ring.get(key);
  }

  /** Servers out of the ring now. */
  get ejectedServers(): string[] {
    return [...this.ejected.keys()];
  }

  /**
   * One key. The gets of one turn of the event loop go out together, as one get_many per server,
   * and a key asked for by many requests at once is asked for once: a hot page read by 32
   * connections costs memcached one lookup per turn, and this process one reply to parse (and
   * one Buffer, so the page cache decodes it once).
   */
  get(key: string): Promise<Buffer | undefined> {
    if (!this.batch) {
      this.batch = new Map();
      setImmediate(() => this.flush());
    }
    let waiting = this.batch.get(key);
    if (!waiting) {
      let resolve!: (v: Buffer | undefined) => void;
      const promise = new Promise<Buffer | undefined>((ok) => (resolve = ok));
      waiting = { promise, resolve };
      this.batch.set(key, waiting);
    }
    return waiting.promise;
  }

  private flush(): void {
    const batch = this.batch!;
    this.batch = undefined;
    // getMany answers a miss for anything that failed; it never rejects
    this.getMany([...batch.keys()]).then(
      (found) => { for (const [key, w] of batch) w.resolve(found.get(key)); },
      () => { for (const w of batch.values()) w.resolve(undefined); },
    );
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const byServer = new Map<string, string[]>();
    for (const key of keys) {
      const server = this.serverFor(key);
      if (server) byServer.set(server, [...(byServer.get(server) ?? []), key]);
    }
    await Promise.all(
      [...byServer].map(async ([server, some]) => {
        // one multi-key `get` per server
        const found = await this.run(server, async (c): Promise<Record<string, { value: unknown } | undefined>> => {
          // (its typings describe a single-key answer; a key list answers an object by key)
          if (some.length > 1) return (await c.get<Buffer>(some)) as unknown as Record<string, { value: unknown }>;
          const v = await c.get<Buffer>(some[0]);
          return v ? { [some[0]]: v } : {};
        });
        for (const [k, v] of Object.entries(found ?? {})) if (v?.value !== undefined) out.set(k, toBuffer(v.value));
      }),
    );
    return out;
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<void> {
    const server = this.serverFor(key);
    if (server) await this.run(server, (c) => c.set(key, value, { lifetime: ttlSeconds }));
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    const server = this.serverFor(key);
    if (!server) return true;
    // NOT_STORED: someone holds it
    const r = await this.run(server, (c) => c.add(key, value, { lifetime: ttlSeconds }).then(() => 'stored' as const, (err: Error) => {
      if (err.message === 'NOT_STORED') return 'held' as const;
      throw err;
    }));
    if (r !== undefined) return r === 'stored';
    // it failed: a server now ejected leaves nobody to share the lease with
    if (this.ejected.has(server)) return true;
    // one that only timed out may have stored it all the same (the answer was late): read it
    // back, and if it holds this caller's value the lease is this caller's. Otherwise someone's
    // lease may be there, so this caller serves the old copy or waits instead.
    const held = await this.run(server, (c) => c.get<Buffer>(key));
    return held?.value !== undefined && toBuffer(held.value).equals(value);
  }

  async delete(key: string): Promise<void> {
    const server = this.serverFor(key);
    // NOT_FOUND: nothing to delete, which is no failure of the server
    if (server) await this.run(server, (c) => c.delete(key, { noreply: false }).catch((err: Error) => {
      if (err.message !== 'NOT_FOUND') throw err;
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.ejected.values()) clearTimeout(t);
    for (const c of this.clients.values()) c.shutdown();
  }

  /** One command on one server; a failure reads as nothing, and ejects the server (a timeout: the third in a row). */
  private async run<T>(server: string, op: (c: MemcacheClient) => Promise<T>): Promise<T | undefined> {
    try {
      const r = await op(this.clients.get(server)!);
      this.timeouts.delete(server);
      return r;
    } catch (err) {
      if (/timeout/i.test((err as Error).message)) {
        // a row: timeouts with no success between them, none more than two periods after the last
        const now = performance.now();
        const last = this.timeouts.get(server);
        const row = last && now - last.last <= 2 * this.timeoutMs ? last : { n: 0, since: now, last: now };
        row.n++;
        row.last = now;
        this.timeouts.set(server, row);
        if (row.n < TIMEOUTS_TO_EJECT || now - row.since < this.timeoutMs) return undefined;
      }
      this.timeouts.delete(server);
      this.eject(server, err as Error);
      return undefined;
    }
  }

  private eject(server: string, err: Error): void {
    if (this.ejected.has(server) || this.closed) return;
    this.ring.remove(server);
    this.log(`memcached ${server} ejected for ${this.retryMs} ms: ${err.message}`);
    const timer = setTimeout(() => {
      this.ejected.delete(server);
      if (this.closed) return;
      // back in the ring: the next command to it decides (a failure ejects it again)
      this.ring.add(server);
      this.log(`memcached ${server} back in the ring`);
    }, this.retryMs);
    timer.unref();
    this.ejected.set(server, timer);
  }
}

const toBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
