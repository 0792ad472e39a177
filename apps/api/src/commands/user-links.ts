// Links of a user a forum's site signed in (single sign-on) to other forums: issue 14 keeps such a
// user in its own forum unless the admin links it elsewhere. The admin only: a forum's owners
// would be choosing which other forum's site may speak for users in theirs. A link is one
// statement plus its event (UserForumLinked / UserForumUnlinked, with the actor) in one accounts
// transaction; it is read with the session (access/credential.ts), so it takes effect at the next
// request, and an unlink too.
import { actorOf, type Credential } from '@parley/access';
import { appendEvent, userLinkSql, type Executor } from '@parley/data';
import { actorLabel, checkId, makeEvent, ParleyError, type UserForumLink, type UserForumLinked, type UserForumUnlinked } from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

export interface LinkView {
  userId: string;
  forumId: string;
  /** null when the forum no longer exists */
  slug: string | null;
  linkedBy: string;
  createdAt: string;
}

function requireAdmin(cred: Credential): void {
  if (cred.kind !== 'admin') {
    throw new ParleyError(cred.kind === 'none' ? 'unauthorized' : 'forbidden', { message: 'Linking users to forums needs the admin token.' });
  }
}

const view = (l: UserForumLink, slug: string | null): LinkView => ({
  userId: l.userId, forumId: l.forumId, slug, linkedBy: l.linkedBy, createdAt: l.createdAt.toISOString(),
});

/** Why an insert touched nothing: the link that is there already (PUT is idempotent), or the error. */
async function explainNoLink(ex: Executor, userId: string, forumId: string): Promise<UserForumLink> {
  const row = (await ex.query(userLinkSql.selectLinkTarget, [userId, forumId])).rows[0];
  if (!row || row.sso_forum_id === null) throw new ParleyError('sso_user_not_found', { details: { userId } });
  if (row.sso_forum_id === forumId) throw new ParleyError('link_to_own_forum', { details: { userId } });
  if (row.linked_user !== null) return { userId, forumId, linkedBy: row.linked_by as string, createdAt: row.created_at as Date };
  throw new ParleyError('sso_user_not_found', { details: { userId } });
}

export async function linkUser(s: Services, cred: Credential, userId: string, slug: string): Promise<LinkView> {
  requireAdmin(cred);
  checkId(userId, 'user id');
  const forum = await getForum(s, slug);
  const actor = actorLabel(actorOf(cred));
  const link = await s.db.tx({ area: 'accounts' }, async (ex) => {
    const { rows } = await ex.query(userLinkSql.insertLink, [userId, forum.id, actor]);
    if (rows.length === 0) return explainNoLink(ex, userId, forum.id);
    const linked = userLinkSql.linkFromRow(rows[0]);
    await appendEvent(ex, { forumId: forum.id, actor, event: makeEvent<UserForumLinked>('UserForumLinked', linked) });
    return linked;
  });
  return view(link, forum.slug);
}

export async function unlinkUser(s: Services, cred: Credential, userId: string, slug: string): Promise<void> {
  requireAdmin(cred);
  checkId(userId, 'user id');
  const forum = await getForum(s, slug);
  const actor = actorLabel(actorOf(cred));
  await s.db.tx({ area: 'accounts' }, async (ex) => {
    const { rows } = await ex.query(userLinkSql.deleteLink, [userId, forum.id]);
    if (rows.length === 0) throw new ParleyError('link_not_found', { details: { userId, forum: forum.slug } });
    await appendEvent(ex, { forumId: forum.id, actor, event: makeEvent<UserForumUnlinked>('UserForumUnlinked', userLinkSql.linkFromRow(rows[0])) });
  });
}

/** A user's links, oldest first, each with its forum's slug (from the forum cache). */
export async function listUserLinks(s: Services, cred: Credential, userId: string): Promise<LinkView[]> {
  requireAdmin(cred);
  checkId(userId, 'user id');
  const { rows } = await s.db.exec({ area: 'accounts', mode: 'read', fresh: true }, userLinkSql.selectUserLinks, [userId]);
  const links = rows.map(userLinkSql.linkFromRow);
  const forums = await Promise.all(links.map((l) => s.forums.byId(l.forumId)));
  return links.map((l, i) => view(l, forums[i]?.slug ?? null));
}
