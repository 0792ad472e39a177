// The soak's load besides comment writes (writers.ts): paced reads of what a widget and a listing
// page read, guest votes on acknowledged comments, and realtime subscribers that come and go
// (each joins a few threads at their head, stays a while, leaves; a new one takes its place).
import { randomBytes } from 'node:crypto';
import { call, sleep } from './http.ts';
import { Subscriber } from './subscriber.ts';
import type { CommentLedger } from './writers.ts';
import type { Fixture } from './fixtures.ts';

export interface LoadCounts {
  ok: number;
  /** answers other than the expected one, by "status code" */
  failed: Map<string, number>;
}

const counts = (): LoadCounts => ({ ok: 0, failed: new Map() });
const fail = (c: LoadCounts, why: string) => c.failed.set(why, (c.failed.get(why) ?? 0) + 1);

/** Runs `step` `rate` times a second in `loops` concurrent loops until stopped. */
function paced(rate: number, loops: number, step: () => Promise<void>): { stop(): Promise<void> } {
  let running = true;
  const every = (1000 * loops) / Math.max(rate, 0.001);
  const all = rate <= 0 ? [] : Array.from({ length: loops }, async () => {
    await sleep(Math.random() * every);
    while (running) {
      const began = Date.now();
      await step();
      await sleep(Math.max(0, every - (Date.now() - began)));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}

async function expect(c: LoadCounts, p: ReturnType<typeof call>, status: number): Promise<unknown> {
  const r = await p;
  if (r.kind === 'answer' && r.status === status) {
    c.ok++;
    return r.body;
  }
  fail(c, r.kind === 'answer' ? `${r.status} ${(r.body as { error?: { code?: string } })?.error?.code ?? ''}`.trim() : r.error.split(':')[0]);
  return undefined;
}

export function startReaders(apiUrl: string, fixture: Fixture, rate: number): { counts: LoadCounts; stop(): Promise<void> } {
  const c = counts();
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  const loop = paced(rate, 4, async () => {
    const thread = pick(fixture.threads);
    const roll = Math.random();
    if (roll < 0.5) {
      const sort = pick(['oldest', 'newest', 'top']);
      const page = (await expect(c, call(apiUrl, 'GET', `/v1/threads/${thread.id}/posts?sort=${sort}&limit=50`), 200)) as { nextCursor?: string | null } | undefined;
      if (page?.nextCursor && Math.random() < 0.3) await expect(c, call(apiUrl, 'GET', `/v1/threads/${thread.id}/posts?sort=${sort}&limit=50&cursor=${encodeURIComponent(page.nextCursor)}`), 200);
    } else if (roll < 0.7) {
      await expect(c, call(apiUrl, 'GET', `/v1/threads/${thread.id}`), 200);
    } else if (roll < 0.85) {
      await expect(c, call(apiUrl, 'GET', `/v1/threads/${thread.id}/events?after=${Math.floor(Math.random() * 50)}&limit=100`), 200);
    } else {
      const forum = pick(fixture.forums);
      const identifiers = Array.from({ length: 5 }, (_, i) => `page-${i}`);
      await expect(c, call(apiUrl, 'POST', '/v1/counts', { body: { forum: forum.slug, identifiers } }), 200);
    }
  });
  return { counts: c, stop: loop.stop };
}

export function startVoters(apiUrl: string, ledger: CommentLedger, rate: number): { counts: LoadCounts; stop(): Promise<void> } {
  const c = counts();
  const voters = Array.from({ length: 200 }, () => `voter-${randomBytes(8).toString('hex')}`);
  const loop = paced(rate, 2, async () => {
    const threads = [...ledger.ackedByThread.values()];
    if (threads.length === 0) return;
    const posts = threads[Math.floor(Math.random() * threads.length)];
    const postId = posts[Math.floor(Math.random() * posts.length)];
    const value = [1, 1, -1, 0][Math.floor(Math.random() * 4)];
    const voter = voters[Math.floor(Math.random() * voters.length)];
    await expect(c, call(apiUrl, 'PUT', `/v1/posts/${postId}/vote`, { body: { value }, headers: { 'x-parley-voter': voter } }), 200);
  });
  return { counts: c, stop: loop.stop };
}

export interface ChurnStats {
  opened: number;
  closed: number;
  seen: number;
  outOfOrder: number;
  duplicates: number;
  resets: number;
}

/** `size` subscribers at any time, each living `minMs`..`maxMs` on 1 to 3 threads. */
export function startChurn(realtimeUrl: string, apiUrl: string, fixture: Fixture, size: number, minMs: number, maxMs: number): { stats: ChurnStats; live(): number; stop(): Promise<void> } {
  const stats: ChurnStats = { opened: 0, closed: 0, seen: 0, outOfOrder: 0, duplicates: 0, resets: 0 };
  const live = new Set<Subscriber>();
  let running = true;
  const retire = (s: Subscriber) => {
    s.close();
    live.delete(s);
    stats.closed++;
    stats.seen += s.stats.seen;
    stats.outOfOrder += s.stats.outOfOrder;
    stats.duplicates += s.stats.duplicates;
    stats.resets += s.stats.resets;
  };
  const spawnOne = () => {
    if (!running) return;
    const n = 1 + Math.floor(Math.random() * 3);
    const threads = [...fixture.threads].sort(() => Math.random() - 0.5).slice(0, n).map((t) => ({ id: t.id }));
    const s = new Subscriber({ url: realtimeUrl, apiUrl, threads });
    live.add(s);
    stats.opened++;
    later(() => {
      retire(s);
      spawnOne();
    }, minMs + Math.random() * (maxMs - minMs));
  };
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  for (let i = 0; i < size; i++) later(spawnOne, Math.random() * minMs);
  return {
    stats,
    live: () => live.size,
    async stop() {
      running = false;
      for (const t of timers) clearTimeout(t);
      for (const s of [...live]) retire(s);
    },
  };
}
