// Where a thread's or a post's content lives now (docs/adr/0009). An id carries the shard it was
// born on (ADR 0001), but a forum move takes a forum's content elsewhere and keeps every id, so
// the shard that holds an id is its forum's shard (`forums.shard`, the shard map). An id's forum
// never changes, so id → forum is remembered without expiry; forum → shard comes from the forum
// cache (a few seconds). The lookup of an id's forum asks the birth shard first, and only when the
// id is not there (its forum moved away) the other shards: no forwarding table to keep.
import { checkId, ParleyError, type ErrorCode } from '@parley/domain';
import { MemoryCache, type Cache } from './cache.ts';
import { shardOfId, type Database, type Route } from './db.ts';
import type { ForumCache } from './forum-cache.ts';
import { ContentMovedError } from './sql/events.ts';

export interface ContentRoute {
  area: 'content';
  shard: number;
}

type Kind = 'thread' | 'post';

const forumOfSql: Record<Kind, { name: string; text: string }> = {
  thread: { name: 'parley_forum_of_thread', text: 'SELECT forum_id FROM threads WHERE id = $1' },
  post: { name: 'parley_forum_of_post', text: 'SELECT forum_id FROM posts WHERE id = $1' },
};
const fenceOf = 'SELECT 1 FROM forum_fences WHERE forum_id = $1';
const missingCode: Record<Kind, ErrorCode> = { thread: 'thread_not_found', post: 'post_not_found' };

export interface LocatorOptions {
  /** ids (threads and posts) whose forum is remembered, default 200,000 */
  maxEntries?: number;
  /** where id → forum entries live; default: a MemoryCache of maxEntries */
  cache?: Cache<string>;
  /** how long a write waits for a moving forum's shard map to switch before a 503 (default 10 s) */
  moveWaitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ContentLocator {
  readonly forums: ForumCache;
  private readonly db: Database;
  private readonly ids: Cache<string>;
  private readonly moveWaitMs: number;
  /** one poll of the shard map per forum a move has fenced, shared by the writes waiting on it */
  private readonly switches = new Map<string, Promise<boolean>>();

  constructor(db: Database, forums: ForumCache, opts: LocatorOptions = {}) {
    this.db = db;
    this.forums = forums;
    this.ids = opts.cache ?? new MemoryCache({ maxEntries: opts.maxEntries ?? 200_000 });
    this.moveWaitMs = opts.moveWaitMs ?? 10_000;
  }

  forumOfThread(threadId: string): Promise<string> {
    return this.forumOf('thread', threadId);
  }

  forumOfPost(postId: string): Promise<string> {
    return this.forumOf('post', postId);
  }

  /** Tells the locator an id's forum it learnt otherwise (a thread it just created). */
  remember(kind: Kind, id: string, forumId: string): Promise<void> {
    return this.ids.set(`${kind}:${id}`, forumId);
  }

  /** The shard that holds a forum's content. `fresh`: from the forums primary, not the cache. */
  async forumRoute(forumId: string, opts: { fresh?: boolean } = {}): Promise<ContentRoute> {
    const forum = await this.forums.byId(forumId, opts);
    if (!forum) throw new ParleyError('forum_not_found', { details: { forumId } });
    return { area: 'content', shard: forum.shard };
  }

  /** Items grouped by the shard that holds their forum now, each forum looked up once. */
  async byShard<T>(items: readonly T[], forumOf: (item: T) => string, opts: { fresh?: boolean } = {}): Promise<Map<number, T[]>> {
    const out = new Map<number, T[]>();
    const shards = this.db.shards();
    if (shards.length === 1) {
      if (items.length) out.set(shards[0], [...items]);
      return out;
    }
    const byForum = new Map<string, T[]>();
    for (const item of items) byForum.set(forumOf(item), [...(byForum.get(forumOf(item)) ?? []), item]);
    for (const [forumId, some] of byForum) {
      const { shard } = await this.forumRoute(forumId, opts);
      out.set(shard, [...(out.get(shard) ?? []), ...some]);
    }
    return out;
  }

  async threadRoute(threadId: string, opts: { fresh?: boolean } = {}): Promise<ContentRoute> {
    return this.route('thread', threadId, opts);
  }

  async postRoute(postId: string, opts: { fresh?: boolean } = {}): Promise<ContentRoute> {
    return this.route('post', postId, opts);
  }

  /**
   * Runs a write on the shard that holds the content. When a forum move has fenced that shard
   * (the forum is leaving it), nothing was written: the write waits until the move has switched
   * the shard map (`afterSwitch`), then runs where the forum went. It waits at most `moveWaitMs`,
   * then answers 503 forum_moving.
   */
  async write<T>(locate: (fresh: boolean) => Promise<ContentRoute>, run: (route: ContentRoute) => Promise<T>): Promise<T> {
    let route = await locate(false);
    const deadline = Date.now() + this.moveWaitMs;
    for (;;) {
      try {
        return await run(route);
      } catch (err) {
        if (!(err instanceof ContentMovedError)) throw err;
        await this.afterSwitch(err.forumId, route.shard, deadline);
        route = await locate(true);
      }
    }
  }

  /**
   * Resolves once the forums primary says the forum is no longer on `fenced`, or the fence is
   * gone (the move failed and the forum stays); throws
   * forum_moving at `deadline`. The writes of this process that met the same fence wait on one
   * shared poll of the shard map, so a held write costs no query of its own, and no transaction is
   * tried again on the fenced shard meanwhile.
   */
  private async afterSwitch(forumId: string, fenced: number, deadline: number): Promise<void> {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ParleyError('forum_moving', { details: { forumId } });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((ok) => (timer = setTimeout(() => ok(false), left)));
      try {
        if (await Promise.race([this.pollSwitch(forumId, fenced), timeout])) return;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** The shared poll: true once switched (or unfenced), false when it gave up (after moveWaitMs). */
  private pollSwitch(forumId: string, fenced: number): Promise<boolean> {
    const key = `${forumId}:${fenced}`;
    let poll = this.switches.get(key);
    if (!poll) {
      const until = Date.now() + this.moveWaitMs;
      poll = (async () => {
        try {
          for (let delay = 5; Date.now() < until; delay = Math.min(50, delay * 2)) {
            const forum = await this.forums.byId(forumId, { fresh: true });
            if (!forum || forum.shard !== fenced) return true;
            // a move that failed lifts its fence: the forum stays, and takes writes again
            const fence = await this.db.exec({ area: 'content', shard: fenced, mode: 'write' }, fenceOf, [forumId]);
            if (fence.rows.length === 0) return true;
            await sleep(delay);
          }
          return false;
        } finally {
          this.switches.delete(key);
        }
      })();
      this.switches.set(key, poll);
    }
    return poll;
  }

  private async route(kind: Kind, id: string, opts: { fresh?: boolean }): Promise<ContentRoute> {
    checkId(id, `${kind} id`);
    const shards = this.db.shards();
    // one content shard: nothing can have moved; the statement itself finds out if the id exists
    if (shards.length === 1) {
      if (!this.db.hasShard(shardOfId(id))) throw new ParleyError(missingCode[kind], { details: { id } });
      return { area: 'content', shard: shards[0] };
    }
    return this.forumRoute(await this.forumOf(kind, id), opts);
  }

  private async forumOf(kind: Kind, id: string): Promise<string> {
    checkId(id, `${kind} id`);
    const key = `${kind}:${id}`;
    const known = await this.ids.get(key);
    if (known !== undefined) return known;
    const birth = shardOfId(id);
    const ask = async (shard: number, route: Partial<Route>): Promise<string | undefined> => {
      const { rows } = await this.db.exec({ area: 'content', shard, mode: 'read', ...route }, forumOfSql[kind], [id]);
      return rows.length ? String(rows[0].forum_id) : undefined;
    };
    // the birth shard first (a replica will do); then every shard's primary, which also covers an
    // id created so recently that the replica has not replayed it yet
    let forumId = this.db.hasShard(birth) ? await ask(birth, {}) : undefined;
    if (forumId === undefined) {
      const found = await Promise.all(this.db.shards().map((shard) => ask(shard, { fresh: true })));
      forumId = found.find((f) => f !== undefined);
    }
    if (forumId === undefined) throw new ParleyError(missingCode[kind], { details: { id } });
    await this.ids.set(key, forumId);
    return forumId;
  }
}
