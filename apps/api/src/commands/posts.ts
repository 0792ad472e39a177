// Post writes. Each is: checks that need no lock (input, credential, immutable facts such as the
// parent's place), then one transaction holding the conditional statement and the event. When
// the statement touches nothing, `explain` reads why, after the rollback.
import { hashToken, newToken, checkOrigin, checkUserForum, actorOf, moderates, type Credential } from '@parley/access';
import { appendThreadEvent, postFromRow, postSql, type Executor } from '@parley/data';
import {
  actorLabel,
  checkGuestAuthor,
  checkId,
  checkMessage,
  editableStatuses,
  initialStatus,
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
  const status = initialStatus({ preModeration: forum.settings.preModeration, byModerator });
  const editToken = cred.kind === 'user' ? undefined : newToken('edit');
  const html = renderMessage(message);
  const insert = () => locator.write((fresh) => locator.threadRoute(threadId, { fresh }), (route) => s.db.tx(route, async (ex) => {
    const ins = await ex.query(postSql.insertPost, postSql.insertPostValues({
      threadId,
      forumId: forum.id,
      parentId,
      maxDepth: forum.settings.maxDepth,
      byModerator,
      userId: cred.kind === 'user' ? cred.user.id : null,
      // a user signs with the name their profile shows (userView): the display name, else the username
      authorName: cred.kind === 'user' ? (cred.user.displayName ?? cred.user.username) : guest!.name,
      authorEmail: guest?.email ?? null,
      editTokenHash: editToken ? hashToken(editToken) : null,
      notify: body.notify ?? false,
      message,
      html,
      status,
    }));
    if (ins.rows.length === 0) return undefined;
    const post = postFromRow(ins.rows[0]);
    const { seq } = await appendThreadEvent(ex, { threadId, actor: actorLabel(actorOf(cred)), postId: post.id, event: makeEvent('PostCreated', post) });
    return { post, seq };
  }));
  // A refused insert is explained by reading the state after it. When that state allows the
  // insert, a concurrent change (a moderator hiding, then restoring, the parent) came between the
  // two: the insert is tried again, a few times, rather than answering 500 (found by the fuzzer).
  for (let attempt = 1; ; attempt++) {
    const result = await insert();
    if (result) return { ...result, ...(editToken ? { editToken } : {}) };
    await explainRefusedPost(s, threadId, parentId, byModerator);
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
async function explainRefusedPost(s: Services, threadId: string, parentId: string | null, byModerator: boolean): Promise<void> {
  const route = await s.read.locator.threadRoute(threadId, { fresh: true });
  const { rows } = await s.db.exec({ ...route, mode: 'read', fresh: true }, postSql.selectThreadWithParent, [threadId, parentId]);
  if (rows.length === 0) throw new ParleyError('thread_not_found', { details: { threadId } });
  const r = rows[0];
  if (r.status === 'closed') throw new ParleyError('thread_closed');
  if (parentId !== null) {
    if (r.parent_path === null) throw new ParleyError('parent_not_found', { details: { parentId } });
    if (r.parent_thread_id !== threadId) throw new ParleyError('parent_in_other_thread', { details: { parentId } });
    if (!isPublished(r.parent_status as PostStatus) && !byModerator) throw new ParleyError('parent_not_visible', { details: { parentId } });
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

export async function editPost(s: Services, cred: Credential, postId: string, rawMessage: string): Promise<WriteResult> {
  checkId(postId, 'comment id');
  const message = checkMessage(rawMessage, s.config.maxMessageLength);
  requireAuthorCredential(cred);
  // The window is a forum setting; the post's forum never changes, so reading it first is safe.
  const { rows } = await s.db.exec({ ...(await s.read.locator.postRoute(postId)), mode: 'read' }, postSql.explainPost, [postId]);
  if (rows.length === 0) throw new ParleyError('post_not_found', { details: { postId } });
  const forum = await s.forums.byId(rows[0].forum_id as string);
  const windowSeconds = forum?.settings.editWindowSeconds ?? 0;
  const html = renderMessage(message);
  const userId = cred.kind === 'user' ? cred.user.id : null;
  const tokenHash = cred.kind === 'edit' ? cred.hash : null;
  const done = await writePost(
    s,
    postId,
    cred,
    async (ex) => (await ex.query(postSql.editPost, [postId, message, html, editableStatuses, userId, tokenHash, windowSeconds])).rows[0],
    (post) => makeEvent('PostEdited', post),
  );
  return done ?? explain(s, postId, cred, 'author', editableStatuses);
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
