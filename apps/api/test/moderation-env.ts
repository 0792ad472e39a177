// Shared setup of the moderation write tests: an API with the rules on, over real HTTP, and a
// forum whose phases are all off but the ones a test turns on, so each test sees one phase.
import type { Config } from '@parley/data';
import { overHttp, testApi, type TestApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';
import { allPhasesOff } from '@parley/domain';

export { allPhasesOff };

export type Http = Awaited<ReturnType<typeof overHttp>>;

export interface ModerationEnv {
  api: TestApi;
  http: Http;
  forum: any;
  key: string;
  thread: any;
  /** a guest's comment over HTTP; the answer as is */
  say(message: string, opts?: { email?: string; threadId?: string; client?: Record<string, unknown>; token?: string; parentId?: string }): Promise<{ status: number; body: any }>;
  /** the thread as its moderators read it */
  modRead(threadId?: string): Promise<any[]>;
  /** the thread as the public reads it */
  publicRead(threadId?: string): Promise<any[]>;
  /** events and posts in every database, to show a refused write wrote nothing */
  written(): Promise<{ events: number; posts: number }>;
}

export async function moderationEnv(t: TapTest, moderation: Record<string, unknown>, opts: { settings?: Record<string, unknown>; config?: Partial<Config> } = {}): Promise<ModerationEnv> {
  const api = await testApi(t, { moderationRules: true, ...opts.config });
  const http = await overHttp(api);
  const { forum, moderatorKey: key } = await api.forum(undefined, { moderation, ...opts.settings });
  const thread = await api.thread(forum.slug);
  const env: ModerationEnv = {
    api,
    http,
    forum,
    key,
    thread,
    say: (message, o = {}) =>
      http('POST', `/v1/threads/${o.threadId ?? thread.id}/posts`, {
        message,
        ...(o.token ? {} : { author: { name: 'Guest', email: o.email ?? 'guest@example.com' } }),
        ...(o.client ? { client: o.client } : {}),
        ...(o.parentId ? { parentId: o.parentId } : {}),
      }, o.token),
    async modRead(threadId) {
      const r = await http('GET', `/v1/threads/${threadId ?? thread.id}/posts?sort=oldest`, undefined, key);
      if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
      return r.body.posts;
    },
    async publicRead(threadId) {
      const r = await http('GET', `/v1/threads/${threadId ?? thread.id}/posts?sort=oldest`);
      if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
      return r.body.posts;
    },
    async written() {
      const [events] = await api.everywhere('SELECT count(*)::int AS n FROM events');
      const [posts] = await api.everywhere('SELECT count(*)::int AS n FROM posts');
      return { events: events.n, posts: posts.n };
    },
  };
  return env;
}

/** A row in the forums database's bans table, as the bans API would write it. */
export async function insertBan(api: TestApi, ban: { forumId: string | null; kind: string; value: string; mode?: string; expiresAt?: Date; lifted?: boolean }): Promise<void> {
  const net = ban.kind === 'ip' || ban.kind === 'range' ? ban.value : null;
  await api.db.exec(
    { area: 'forums', mode: 'write' },
    `INSERT INTO bans (forum_id, kind, value, net, mode, reason, expires_at, created_by, lifted_at)
     VALUES ($1, $2, $3, $4::cidr, $5, 'test ban', $6, 'test', CASE WHEN $7 THEN now() END)`,
    [ban.forumId, ban.kind, ban.value, net, ban.mode ?? 'ban', ban.expiresAt ?? null, ban.lifted ?? false],
  );
}
