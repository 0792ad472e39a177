// A comment's source text for its author's editor. The API answers only rendered HTML elsewhere,
// so a signed-in reader editing, in another browser, a comment they wrote would otherwise start
// from its rendered text and lose its markdown. Only the author may read it: their user token, or
// the comment's edit token (compared in constant time); anyone else is refused alike.
import { timingSafeEqual } from 'node:crypto';
import type { Credential } from '@parley/access';
import { postSql } from '@parley/data';
import { checkId, ParleyError } from '@parley/domain';
import type { Services } from '../services.ts';

export interface PostSource {
  message: string;
  revision: number;
}

function isAuthorOf(cred: Credential, row: Record<string, unknown>): boolean {
  if (cred.kind === 'user') return row.author_user_id !== null && String(row.author_user_id) === cred.user.id;
  const stored = row.edit_token_hash as Buffer | null;
  return cred.kind === 'edit' && stored !== null && stored.length === cred.hash.length && timingSafeEqual(stored, cred.hash);
}

export async function postSource(s: Services, cred: Credential, postId: string): Promise<PostSource> {
  checkId(postId, 'comment id');
  if (cred.kind !== 'user' && cred.kind !== 'edit') {
    throw new ParleyError('unauthorized', { message: "Reading a comment's source needs the author's user token or the comment's edit token." });
  }
  // fresh: the author reads what they just wrote or edited
  const route = await s.read.locator.postRoute(postId, { fresh: true });
  const { rows } = await s.db.exec({ ...route, mode: 'read', fresh: true }, postSql.selectPostSource, [postId]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } });
  if (!isAuthorOf(cred, rows[0])) throw new ParleyError('forbidden', { message: 'Only the author can read the source of this comment.' });
  return { message: rows[0].message as string, revision: rows[0].revision as number };
}
