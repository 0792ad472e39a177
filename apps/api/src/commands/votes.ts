// A vote: one upsert returning the value it replaced, then score = score + delta on the post,
// then the event, in one transaction. Repeating the same vote changes nothing and logs nothing.
import { actorOf, checkUserForum, type Credential } from '@parley/access';
import { appendThreadEvent, postFromRow, postSql, rethrowConstraint, voteSql } from '@parley/data';
import { actorLabel, checkId, makeEvent, ParleyError, votableStatuses, type VoteCast, type VoteValue } from '@parley/domain';
import { createHash } from 'node:crypto';
import type { Services } from '../services.ts';
import type { WriteResult } from './posts.ts';

class NoChange extends Error {}
class NotVotable extends Error {}

export function voterOf(cred: Credential, guestKey: string | undefined): { voter: string; label: string } {
  if (cred.kind === 'user') return { voter: `u:${cred.user.id}`, label: `user:${cred.user.id}` };
  if (guestKey === undefined || guestKey.length < 16 || guestKey.length > 128 || !/^[\x21-\x7e]+$/.test(guestKey)) {
    throw new ParleyError('invalid_voter');
  }
  const h = createHash('sha256').update(guestKey).digest('hex').slice(0, 32);
  return { voter: `g:${h}`, label: `guest:${h.slice(0, 16)}` };
}

export async function vote(s: Services, cred: Credential, postId: string, value: number, guestKey: string | undefined): Promise<WriteResult | { post: undefined }> {
  checkId(postId, 'comment id');
  if (value !== 1 && value !== -1 && value !== 0) throw new ParleyError('invalid_vote', { details: { value } });
  if (cred.kind !== 'user' && cred.kind !== 'none') throw new ParleyError('forbidden', { message: 'Vote with a user token or a guest voter key (X-Parley-Voter).' });
  const { voter, label } = voterOf(cred, guestKey);
  const { locator } = s.read;
  if (cred.kind === 'user' && cred.user.ssoForumId !== undefined) checkUserForum(cred, await locator.forumOfPost(postId));
  try {
    return await locator.write((fresh) => locator.postRoute(postId, { fresh }), (route) => s.db.tx(route, async (ex) => {
      const v = await ex.query<{ value: number; prev: number }>(voteSql.upsertVote, [postId, voter, value]);
      const delta = v.rows[0].value - v.rows[0].prev;
      if (delta === 0) throw new NoChange();
      const p = await ex.query(postSql.addScore, [postId, delta, votableStatuses]);
      if (p.rows.length === 0) throw new NotVotable();
      const post = postFromRow(p.rows[0]);
      const actor = cred.kind === 'user' ? actorLabel(actorOf(cred)) : label;
      const event = makeEvent<VoteCast>('VoteCast', { post, value: value as VoteValue, delta });
      const { seq } = await appendThreadEvent(ex, { threadId: post.threadId, actor, postId, event });
      return { post, seq };
    }));
  } catch (err) {
    if (err instanceof NoChange) return { post: undefined };
    if (err instanceof NotVotable) throw new ParleyError('invalid_transition', { message: 'Only published comments take votes.' });
    rethrowConstraint(err, { postId });
  }
}

export async function currentPost(s: Services, postId: string) {
  const { rows } = await s.db.exec({ ...(await s.read.locator.postRoute(postId, { fresh: true })), mode: 'read', fresh: true }, postSql.selectPost, [postId]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } });
  return postFromRow(rows[0]);
}
