import { hashToken, newToken, actorOf, requireManager, type Credential } from '@parley/access';
import { appendEvent, forumFromRow, forumSql, placeForum, rethrowConstraint } from '@parley/data';
import { checkSlug, defaultForumSettings, makeEvent, mergeSettings, ParleyError, type Forum, type ForumCreated, type ForumUpdated } from '@parley/domain';
import type { Services } from '../services.ts';
import type { CreateForumBody, PatchForumBody } from '../schemas.ts';
import { actorLabel } from '@parley/domain';

export async function createForum(s: Services, cred: Credential, body: CreateForumBody): Promise<{ forum: Forum; moderatorKey: string }> {
  if (cred.kind !== 'admin') throw new ParleyError(cred.kind === 'none' ? 'unauthorized' : 'forbidden', { message: 'Creating a forum needs the admin token.' });
  const slug = checkSlug(body.slug);
  const settings = mergeSettings(defaultForumSettings, body.settings);
  const shard = body.shard ?? placeForum(slug, s.db.shards());
  if (!s.db.hasShard(shard)) throw new ParleyError('shard_not_found', { details: { shard } });
  const moderatorKey = newToken('moderator');
  try {
    const forum = await s.db.tx({ area: 'forums' }, async (ex) => {
      const { rows } = await ex.query(forumSql.insertForum, [slug, body.name.trim(), settings, hashToken(moderatorKey), shard]);
      const forum = forumFromRow(rows[0]);
      await appendEvent(ex, { forumId: forum.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ForumCreated>('ForumCreated', forum) });
      return forum;
    });
    return { forum, moderatorKey };
  } catch (err) {
    rethrowConstraint(err, { slug });
  }
}

export async function getForum(s: Services, slug: string, opts: { fresh?: boolean } = {}): Promise<Forum> {
  const forum = await s.forums.bySlug(checkSlug(slug), opts);
  if (!forum) throw new ParleyError('forum_not_found', { details: { slug } });
  return forum;
}

export async function patchForum(s: Services, cred: Credential, slug: string, body: PatchForumBody): Promise<Forum> {
  const current = await getForum(s, slug);
  requireManager(cred, current.id);
  // Validate the change on its own; the statement merges it into whatever is stored now.
  const change = body.settings ?? {};
  mergeSettings(defaultForumSettings, change);
  const forum = await s.db.tx({ area: 'forums' }, async (ex) => {
    const { rows } = await ex.query(forumSql.updateForum, [current.slug, body.name?.trim() ?? null, change]);
    if (rows.length === 0) throw new ParleyError('forum_not_found');
    const forum = forumFromRow(rows[0]);
    await appendEvent(ex, { forumId: forum.id, actor: actorLabel(actorOf(cred)), event: makeEvent<ForumUpdated>('ForumUpdated', forum) });
    return forum;
  });
  await s.forums.forget(forum);
  return forum;
}
