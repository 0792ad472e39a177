import { defaultForumSettings, type Forum } from '@parley/domain';

export const aForum = (id: string, allowedOrigins: string[] = []): Forum => ({
  id,
  slug: `forum-${id}`,
  name: `Forum ${id}`,
  settings: { ...defaultForumSettings, allowedOrigins },
  shard: 0,
  postCount: 0,
  pendingCount: 0,
  createdAt: new Date('2026-01-01T00:00:00Z'),
});
