// Post writes. Each is: checks that need no lock (input, credential, immutable facts such as the
// parent's place), then one transaction holding the conditional statement and the event. When
// the statement touches nothing, `explain` reads why, after the rollback.
import { hashToken, newToken, checkOrigin, checkUserForum, actorOf, moderates, type Credential } from '@parley/access';
import { appendNewPost, appendThreadEvent, moderationFactsSql, postFromRow, postSql, type Executor } from '@parley/data';
import {
  actorLabel,
  checkGuestAuthor,
  checkId,
  checkMessage,
  editableStatuses,
  initialStatus,
  isOwnShadowed,
  isPublished,
  makeEvent,
  ParleyError,
  renderMessage,
  transitions,
  type Forum,
  type GuestAuthor,
  type ModerationAction,
  type ParleyEvent,
  type PostRecord,
  type PostStatus,
} from '@parley/domain';
import type { Services } from '../services.ts';
import type { CreatePostBody } from '../schemas.ts';
import { clientAddress, InsertJudge, judgeComment, judgeNewComment, type Verdict, type WriteClient } from './moderation-judge.ts';

export interface WriteResult {
  post: PostRecord;
  seq: number;
}

/** Runs one post write: `change` returns the new row or nothing; the event follows in the same transaction. */
async function writePost(
  s: Services,
  postId: string,
  cred: Credential,
  change: (ex: Executor) => Promise<Record<string, unknown> | undefined>,
  toEvent: (post: PostRecord) => ParleyEvent,
): Promise<WriteResult | undefined> {
  const { locator } = s.read;
  return locator.write((fresh) => locator.postRoute(postId, { fresh }), (route) => s.db.tx(route, async (ex) => {
    const row = await change(ex);
    if (!row) return undefined;
    const post = postFromRow(row);
    const { seq } = await appendThreadEvent(ex, { threadId: post.threadId, actor: actorLabel(actorOf(cred)), postId: post.id, event: toEvent(post) });
    return { post, seq };
  }));
}

export async function createPost(
  s: Services,
  cred: Credential,
  threadId: string,
  body: CreatePostBody,
  origin: string | undefined,
  client: WriteClient = {},
): Promise<WriteResult & { editToken?: string }> {
  checkId(threadId, 'thread id');
  const parentId = body.parentId ?? null;
  if (parentId !== null) checkId(parentId, 'parent id');
  const message = checkMessage(body.message, s.config.maxMessageLength);
  if (cred.kind === 'edit') throw new ParleyError('forbidden', { message: 'An edit token only edits its own comment; post as a guest or a user.' });

  const { locator } = s.read;
  const forum = await s.forums.byId(await locator.forumOfThread(threadId));
  if (!forum) throw new ParleyError('forum_not_found');
  checkOrigin(forum, origin);
  checkUserForum(cred, forum.id);
  const guest = cred.kind === 'user' ? undefined : guestAuthor(forum, cred, body.author);
  const byModerator = moderates(cred, forum.id);
  // a user signs with the name their profile shows (userView): the display name, else the username
  const authorName = cred.kind === 'user' ? (cred.user.displayName ?? cred.user.username) : guest!.name;
  const rendered = renderMessage(message);
  // moderators are not judged; the rules' facts come with the insert where they can (judgeNewComment)
  const judging: Verdict | InsertJudge = s.config.moderationRules && !byModerator
    ? await judgeNewComment(s, {
      forum,
      threadId,
      text: message,
      html: rendered,
      author: { userId: cred.kind === 'user' ? cred.user.id : null, name: authorName, email: guest?.email ?? null },
      accountCreatedAt: cred.kind === 'user' ? cred.user.createdAt : null,
      client: body.client,
      writeClient: client,
    })
    : { status: initialStatus({ preModeration: forum.settings.preModeration, byModerator }), reasons: [], message, html: rendered };
  const editToken = cred.kind === 'user' ? undefined : newToken('edit');
  // where the comment goes and who posts it, then what the verdict makes of it
  const placing = { threadId, forumId: forum.id, parentId, maxDepth: forum.settings.maxDepth, byModerator, userId: cred.kind === 'user' ? cred.user.id : null };
  const newPost = (v: Verdict): postSql.NewPost => ({
    ...placing,
    authorName,
    authorEmail: guest?.email ?? null,
    editTokenHash: editToken ? hashToken(editToken) : null,
    notify: body.notify ?? false,
    message: v.message,
    html: v.html,
    status: v.status,
    moderationReasons: v.reasons,
    authorIp: clientAddress(client),
  });
  const actor = actorLabel(actorOf(cred));
  const insert = judging instanceof InsertJudge
    // placed and judged in the transaction, then written as judged with its event: one statement each
    ? () => locator.write((fresh) => locator.threadRoute(threadId, { fresh }), async (route) => {
      const place = await judging.placeOn(route);
      return s.db.tx(route, async (ex) => {
        const { rows } = await ex.query(place.statement, [...postSql.placePostValues(placing), ...place.factValues]);
        if (rows[0]?.id == null) return undefined;
        const p = newPost(judging.verdict(rows[0]));
        const post = postSql.newPostRecord({ id: String(rows[0].id), ancestors: rows[0].ancestors as string[], at: rows[0].at as Date }, p);
        const logged = await appendNewPost(ex, actor, post, p);
        return logged && { post, seq: logged.seq };
      });
    })
    : () => locator.write((fresh) => locator.threadRoute(threadId, { fresh }), (route) => s.db.tx(route, async (ex) => {
      const ins = await ex.query(postSql.insertPost, postSql.insertPostValues(newPost(judging)));
      if (ins.rows.length === 0) return undefined;
      const post = postFromRow(ins.rows[0]);
      const { seq } = await appendThreadEvent(ex, { threadId, actor, postId: post.id, event: makeEvent('PostCreated', post) });
      return { post, seq };
    }));
  // A refused insert is explained by reading the state after it. When that state allows the
  // insert, a concurrent change (a moderator hiding, then restoring, the parent) came between the
  // two: the insert is tried again, a few times, rather than answering 500 (found by the fuzzer).
  for (let attempt = 1; ; attempt++) {
    const result = await insert();
    if (result) return { ...result, ...(editToken ? { editToken } : {}) };
    await explainRefusedPost(s, threadId, parentId, byModerator, cred.kind === 'user' ? cred.user.id : undefined);
    if (attempt === 3) {
      throw new ParleyError('parent_not_visible', { message: 'The comment you are replying to changed while you replied; try again.', details: { parentId } });
    }
  }
}

/**
 * The guest policy (forum settings): a forum may take comments from signed-in readers only, and
 * may let guests leave the email out. The moderator key posts as a guest (named) whatever the policy.
 */
function guestAuthor(forum: Forum, cred: Credential, author: CreatePostBody['author']): GuestAuthor {
  if (!forum.settings.guestsMayPost && !moderates(cred, forum.id)) throw new ParleyError('sign_in_required');
  if (!author) throw new ParleyError('invalid_author');
  return checkGuestAuthor(author, { emailRequired: forum.settings.guestEmailRequired });
}

/**
 * Why the insert placed nothing: the thread is closed, or the parent is missing, elsewhere or
 * hidden. Returns when nothing in the current state explains it (it changed since the insert).
 */
async function explainRefusedPost(s: Services, threadId: string, parentId: string | null, byModerator: boolean, userId: string | undefined): Promise<void> {
  const route = await s.read.locator.threadRoute(threadId, { fresh: true });
  const { rows } = await s.db.exec({ ...route, mode: 'read', fresh: true }, postSql.selectThreadWithParent, [threadId, parentId]);
  if (rows.length === 0) throw new ParleyError('thread_not_found', { details: { threadId } });
  const r = rows[0];
  if (r.status === 'closed') throw new ParleyError('thread_closed');
  if (parentId !== null) {
    if (r.parent_path === null) throw new ParleyError('parent_not_found', { details: { parentId } });
    if (r.parent_thread_id !== threadId) throw new ParleyError('parent_in_other_thread', { details: { parentId } });
    const parent = { status: r.parent_status as PostStatus, authorUserId: r.parent_author_user_id === null ? null : String(r.parent_author_user_id) };
    if (!isPublished(parent.status) && !byModerator && !isOwnShadowed(parent, { moderator: false, userId })) throw new ParleyError('parent_not_visible', { details: { parentId } });
  }
}

/** Why a conditional change touched nothing. */
async function explain(s: Services, postId: string, cred: Credential, need: 'author' | 'moderator', allowed: readonly string[]): Promise<never> {
  const { rows } = await s.db.exec({ ...(await s.read.locator.postRoute(postId, { fresh: true })), mode: 'read', fresh: true }, postSql.explainPost, [postId]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } });
  const p = rows[0];
  if (need === 'moderator' && !moderates(cred, p.forum_id as string)) {
    throw new ParleyError('forbidden', { message: "This needs the moderator key of this comment's forum." });
  }
  if (need === 'author' && !isAuthor(cred, p)) throw new ParleyError('forbidden', { message: 'Only the author can change this comment.' });
  if (!allowed.includes(p.status as string)) {
    throw new ParleyError('invalid_transition', { message: `The comment is ${p.status as string}; that is not possible now.`, details: { status: p.status } });
  }
  // a moderator's change has no time window: the comment changed between the statement and this read
  if (need === 'moderator') throw new ParleyError('invalid_transition', { message: 'The comment changed at the same moment; look again and retry.', details: { status: p.status } });
  throw new ParleyError('edit_window_closed');
}

function isAuthor(cred: Credential, p: Record<string, unknown>): boolean {
  if (cred.kind === 'user') return p.author_user_id === cred.user.id;
  if (cred.kind === 'edit') return p.edit_token_hash !== null && (p.edit_token_hash as Buffer).equals(cred.hash);
  return false;
}

function requireAuthorCredential(cred: Credential): void {
  if (cred.kind !== 'user' && cred.kind !== 'edit') {
    throw new ParleyError('unauthorized', { message: "Editing needs the author's user token or the comment's edit token." });
  }
}

export async function editPost(s: Services, cred: Credential, postId: string, rawMessage: string, client: WriteClient = {}): Promise<WriteResult> {
  checkId(postId, 'comment id');
  const message = checkMessage(rawMessage, s.config.maxMessageLength);
  requireAuthorCredential(cred);
  // The window is a forum setting; the post's forum never changes, so reading it first is safe.
  const { rows } = await s.db.exec({ ...(await s.read.locator.postRoute(postId)), mode: 'read' }, moderationFactsSql.editTarget, [postId]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } });
  const target = rows[0];
  const forum = await s.forums.byId(target.forum_id as string);
  const windowSeconds = forum?.settings.editWindowSeconds ?? 0;
  const verdict = await judgeEdit(s, cred, forum, target, message, client);
  const userId = cred.kind === 'user' ? cred.user.id : null;
  const tokenHash = cred.kind === 'edit' ? cred.hash : null;
  // a verdict other than approved moves the post as its transition would (a held edit of an
  // approved post: approved -> pending), in the edit statement itself
  const move = verdict.status === 'approved' ? undefined : editVerdictTransition[verdict.status];
  const from = move ? transitions[move].from.filter((st) => st !== 'shadowed') : [];
  const { locator } = s.read;
  const done = await locator.write((fresh) => locator.postRoute(postId, { fresh }), (route) => s.db.tx(route, async (ex) => {
    const values = [postId, verdict.message, verdict.html, editableStatuses, userId, tokenHash, windowSeconds, move ? transitions[move].to : null, from, JSON.stringify(verdict.reasons)];
    const row = (await ex.query(postSql.editPost, values)).rows[0];
    if (!row) return undefined;
    const post = postFromRow(row);
    const actor = actorLabel(actorOf(cred));
    let { seq } = await appendThreadEvent(ex, { threadId: post.threadId, actor, postId: post.id, event: makeEvent('PostEdited', post) });
    // the status change gets its own event, so counters and the queue follow it as any other
    if (move && row.moved_from !== null) ({ seq } = await appendThreadEvent(ex, { threadId: post.threadId, actor, postId: post.id, event: makeEvent(transitions[move].event, post) }));
    return { post, seq };
  }));
  return done ?? explain(s, postId, cred, 'author', editableStatuses);
}

/** The transition an edit's verdict applies to its post. */
const editVerdictTransition: Record<Exclude<Verdict['status'], 'approved'>, ModerationAction> = { pending: 'hold', spam: 'spam', shadowed: 'shadow' };

/**
 * The rules' verdict on an edit's new text, judged as its author's. Not judged: a moderator's
 * edit, and an edit by someone who is not the author (the statement refuses it; `explain` says why).
 */
async function judgeEdit(s: Services, cred: Credential, forum: Forum | undefined, target: Record<string, unknown>, message: string, client: WriteClient): Promise<Verdict> {
  const html = renderMessage(message);
  const unjudged: Verdict = { status: 'approved', reasons: [], message, html };
  if (!s.config.moderationRules || !forum || moderates(cred, forum.id) || !isAuthor(cred, target)) return unjudged;
  return judgeComment(s, {
    forum,
    threadId: target.thread_id as string,
    text: message,
    html,
    author: { userId: (target.author_user_id as string | null) ?? null, name: target.author_name as string, email: (target.author_email as string | null) ?? null },
    accountCreatedAt: cred.kind === 'user' ? cred.user.createdAt : null,
    writeClient: client,
    edit: true,
  });
}

/**
 * The forum this credential moderates the post in, if any: the key's own forum (its statement
 * then finds the post only there), or the post's forum for the admin and for an account with a
 * role in that forum.
 */
async function moderatedForumOf(s: Services, cred: Credential, postId: string): Promise<string | undefined> {
  if (cred.kind === 'moderator') return cred.forum.id;
  if (cred.kind !== 'admin' && !(cred.kind === 'user' && cred.roles.size > 0)) return undefined;
  const { rows } = await s.db.exec({ ...(await s.read.locator.postRoute(postId)), mode: 'read' }, postSql.explainPost, [postId]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } });
  const forumId = rows[0].forum_id as string;
  return moderates(cred, forumId) ? forumId : undefined;
}

export async function moderatePost(s: Services, cred: Credential, postId: string, action: ModerationAction): Promise<WriteResult> {
  checkId(postId, 'comment id');
  const t = transitions[action];
  const forumId = await moderatedForumOf(s, cred, postId);
  // an account moderates the forums it has a role in, and is an author like any other elsewhere
  if (forumId === undefined && action === 'delete' && (cred.kind === 'user' || cred.kind === 'edit')) {
    const userId = cred.kind === 'user' ? cred.user.id : null;
    const tokenHash = cred.kind === 'edit' ? cred.hash : null;
    const done = await writePost(
      s,
      postId,
      cred,
      async (ex) => (await ex.query(postSql.authorDeletePost, [postId, t.from, userId, tokenHash, t.to])).rows[0],
      (post) => makeEvent(t.event, post),
    );
    return done ?? explain(s, postId, cred, 'author', t.from);
  }
  if (cred.kind === 'none') throw new ParleyError('unauthorized', { message: "This needs the forum's moderator key, or a moderator's sign-in." });
  if (forumId === undefined) throw new ParleyError('forbidden', { message: "This needs the moderator key of this comment's forum, or the sign-in of one of its moderators." });
  const done = await writePost(
    s,
    postId,
    cred,
    async (ex) => (await ex.query(postSql.moderatePost, [postId, t.to, t.from, forumId])).rows[0],
    (post) => makeEvent(t.event, post),
  );
  return done ?? explain(s, postId, cred, 'moderator', t.from);
}
