// A reader's report of a published comment (domain flags.ts). One transaction of conditional
// statements (sql/flags.ts): the flag, the count, and on reaching the forum's threshold the hold;
// a PostFlagged event always, a PostHeld event when it held. A reader who flagged the comment
// before gets their first report back, and nothing is counted.
import { checkUserForum, requireModerator, type Credential } from '@parley/access';
import { appendThreadEvent, flagSql, postFromRow, rethrowConstraint } from '@parley/data';

type Row = Record<string, unknown>;
import {
  checkId,
  flaggedReason,
  makeEvent,
  ParleyError,
  publishedStatuses,
  transitions,
  type FlagReason,
  type PostFlag,
  type PostFlagged,
  type PostHeld,
  type PostRecord,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { voterOf } from './votes.ts';

const FLAGS_SHOWN = 200;

class AlreadyFlagged extends Error {}
class NotFlaggable extends Error {}

export interface FlagResult {
  flag: PostFlag;
  /** false: this reader had flagged it already, and `flag` is that first report */
  created: boolean;
  /** the post as the flag left it (held or not), when it counted */
  post?: PostRecord;
  seq?: number;
}

const flagFromRow = (r: Row): PostFlag => ({
  postId: String(r.post_id),
  reporter: r.reporter as string,
  reason: r.reason as FlagReason,
  note: (r.note as string | null) ?? null,
  createdAt: r.created_at as Date,
});

/** Who reports: a signed-in reader by account, a guest by the hash of its voter key (as votes count them). */
function reporterOf(cred: Credential, guestKey: string | undefined): { reporter: string; actor: string } {
  if (cred.kind !== 'user' && cred.kind !== 'none') throw new ParleyError('forbidden', { message: 'Report a comment with a user token or a guest voter key (X-Parley-Voter).' });
  const { voter, label } = voterOf(cred, guestKey);
  return cred.kind === 'user' ? { reporter: `user:${cred.user.id}`, actor: label } : { reporter: `guest:${voter.slice('g:'.length)}`, actor: label };
}

export async function flagPost(s: Services, cred: Credential, postId: string, body: { reason: FlagReason; note?: string }, guestKey: string | undefined): Promise<FlagResult> {
  checkId(postId, 'comment id');
  const { reporter, actor } = reporterOf(cred, guestKey);
  const { locator } = s.read;
  const forum = await s.forums.byId(await locator.forumOfPost(postId));
  if (!forum) throw new ParleyError('post_not_found', { details: { postId } });
  checkUserForum(cred, forum.id);
  const { enabled, holdAfter } = forum.settings.moderation.flags;
  if (!enabled) throw new ParleyError('flags_disabled');
  const note = body.note?.trim() ? body.note.trim() : null;
  const hold = transitions.hold;
  try {
    return await locator.write((fresh) => locator.postRoute(postId, { fresh }), (route) => s.db.tx(route, async (ex) => {
      const inserted = await ex.query(flagSql.insertFlag, [postId, reporter, body.reason, note]);
      if (inserted.rows.length === 0) throw new AlreadyFlagged();
      const counted = await ex.query(flagSql.countFlag, [postId, publishedStatuses]);
      if (counted.rows.length === 0) throw new NotFlaggable();
      let post = postFromRow(counted.rows[0]);
      let { seq } = await appendThreadEvent(ex, { threadId: post.threadId, actor, postId, event: makeEvent<PostFlagged>('PostFlagged', { post, reason: body.reason }) });
      // the row is locked by the count above: its flag_count is this transaction's, and the
      // statement checks it again
      if (post.flagCount === holdAfter) {
        const held = await ex.query(flagSql.holdFlagged, [postId, hold.from, hold.to, holdAfter, JSON.stringify([flaggedReason(holdAfter)])]);
        if (held.rows.length > 0) {
          post = postFromRow(held.rows[0]);
          ({ seq } = await appendThreadEvent(ex, { threadId: post.threadId, actor, postId, event: makeEvent<PostHeld>(hold.event as 'PostHeld', post) }));
        }
      }
      return { flag: flagFromRow(inserted.rows[0]), created: true, post, seq };
    }));
  } catch (err) {
    if (err instanceof AlreadyFlagged) return { flag: await ownFlag(s, postId, reporter), created: false };
    if (err instanceof NotFlaggable) throw new ParleyError('invalid_transition', { message: 'Only published comments can be reported.', details: { postId } });
    rethrowConstraint(err, { postId });
  }
}

async function ownFlag(s: Services, postId: string, reporter: string): Promise<PostFlag> {
  const route = await s.read.locator.postRoute(postId, { fresh: true });
  const { rows } = await s.db.exec({ ...route, mode: 'read', fresh: true }, flagSql.selectFlag, [postId, reporter]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } }); // gone with its post since
  return flagFromRow(rows[0]);
}

/** A post's flags for its forum's moderators, newest first: at most FLAGS_SHOWN, `more` when there are others. */
export async function listFlags(s: Services, cred: Credential, postId: string): Promise<{ flags: PostFlag[]; more: boolean }> {
  checkId(postId, 'comment id');
  const { locator } = s.read;
  requireModerator(cred, await locator.forumOfPost(postId));
  const { rows } = await s.db.exec({ ...(await locator.postRoute(postId)), mode: 'read' }, flagSql.selectFlags, [postId, FLAGS_SHOWN + 1]);
  return { flags: rows.slice(0, FLAGS_SHOWN).map(flagFromRow), more: rows.length > FLAGS_SHOWN };
}
