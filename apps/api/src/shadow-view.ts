// A shadow-banned author's own view of a thread: their shadowed comments look published to them,
// to nobody else. The public page cache is shared and never holds them, so a signed-in reader
// who has shadowed comments in the thread gets a page rendered for them alone (private, not
// stored); everyone else, this author on other threads included, keeps the cached page. Guests
// are known by no account: the widget keeps a guest's own comments in that browser (edit token).
import type { Credential } from '@parley/access';
import { banSql } from '@parley/data';
import type { Viewer } from '@parley/domain';
import type { Services } from './services.ts';

/** The author's viewer when `cred` is an account with shadowed comments in the thread; else undefined (the public page). */
export async function ownShadowedViewer(s: Services, cred: Credential, threadId: string, forumId: string): Promise<Viewer | undefined> {
  if (cred.kind !== 'user') return undefined;
  const route = await s.read.locator.threadRoute(threadId);
  const { rows } = await s.db.exec({ ...route, mode: 'read' }, banSql.selectHasShadowed, [threadId, cred.user.id, forumId]);
  return rows[0]?.has === true ? { moderator: false, userId: cred.user.id } : undefined;
}

/** An event page's viewer: a signed-in reader sees the events of their own shadowed comments as published. */
export const eventViewer = (cred: Credential, moderator: boolean): Viewer =>
  moderator || cred.kind !== 'user' ? { moderator } : { moderator: false, userId: cred.user.id };
