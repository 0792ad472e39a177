// Bans, suspensions (bans with an expiry) and shadow bans, per forum by its moderators or for the
// whole instance by the admin. A creation is, in one forums transaction: a lock on the scope (so
// the cap on bans in force holds under concurrent creations), one conditional insert per ban and
// one BanCreated event each, with its actor. A retroactive ban's event is what the worker turns
// into the job that hides the author's existing comments, so a 201 survives a crash of the API.
// A ban "of the author of comment X" reads the author's identities from the comment's shard
// first (outside the transaction): the moderator never sees the email or the address.
import { actorOf, requireModerator, type Credential } from '@parley/access';
import { appendEvent, banSql } from '@parley/data';
import {
  actorLabel,
  banSnapshot,
  checkBanTerms,
  checkBanValue,
  checkId,
  makeEvent,
  ParleyError,
  type Ban,
  type BanCreated,
  type BanLifted,
  type BanRecord,
  type Forum,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { getForum } from './forums.ts';

export interface CreateBanBody {
  kind?: string;
  value?: string;
  postId?: string;
  includeAddress?: boolean;
  mode?: string;
  expiresAt?: string;
  durationSeconds?: number;
  reason?: string;
  retroactive?: boolean;
}

export interface ListBansQuery {
  status?: 'active' | 'all';
  cursor?: string;
  limit?: number;
}

/** Where bans are made: a forum (its moderators) or the instance (the admin only). */
export type BanScope = { forum: Forum } | { forum: null };

const forumIdOf = (scope: BanScope): string | null => scope.forum?.id ?? null;

export async function forumScope(s: Services, cred: Credential, slug: string): Promise<BanScope> {
  const forum = await getForum(s, slug);
  requireModerator(cred, forum.id);
  return { forum };
}

export function instanceScope(cred: Credential): BanScope {
  if (cred.kind !== 'admin') {
    throw new ParleyError(cred.kind === 'none' ? 'unauthorized' : 'forbidden', { message: 'Instance-wide bans need the admin token; a forum\'s moderators ban in their forum (/v1/forums/:slug/bans).' });
  }
  return { forum: null };
}

type Target = Pick<Ban, 'kind' | 'value'> & { postId: string | null };

/** The identities of comment `postId`'s author: the account, else the email; and the address when asked. */
async function authorTargets(s: Services, scope: BanScope, postId: string, includeAddress: boolean): Promise<Target[]> {
  checkId(postId, 'comment id');
  const route = await s.read.locator.postRoute(postId);
  const { rows } = await s.db.exec({ ...route, mode: 'read' }, banSql.selectPostAuthor, [postId]);
  const r = rows[0];
  // a comment of another forum is as missing as one that doesn't exist
  if (!r || (scope.forum !== null && String(r.forum_id) !== scope.forum.id)) throw new ParleyError('post_not_found', { details: { postId } });
  const targets: Target[] = [];
  if (r.author_user_id !== null) targets.push({ kind: 'user', value: String(r.author_user_id), postId });
  else if (r.email !== null) targets.push({ kind: 'email', value: r.email as string, postId });
  if (includeAddress && r.ip !== null) targets.push({ kind: 'ip', value: checkBanValue('ip', r.ip as string).value, postId });
  if (targets.length === 0) throw new ParleyError('ban_target_unknown', { details: { postId } });
  return targets;
}

async function targetsOf(s: Services, scope: BanScope, body: CreateBanBody): Promise<Target[]> {
  const byPost = body.postId !== undefined;
  if (byPost === (body.kind !== undefined || body.value !== undefined)) {
    throw new ParleyError('invalid_ban', { message: 'Give either {kind, value} or {postId} (ban the author of that comment).' });
  }
  if (byPost) return authorTargets(s, scope, body.postId!, body.includeAddress ?? false);
  if (body.includeAddress !== undefined) throw new ParleyError('invalid_ban', { message: 'includeAddress goes with postId only.' });
  if (body.kind === undefined || body.value === undefined) throw new ParleyError('invalid_ban', { message: 'A ban by value needs both kind and value.' });
  const target = checkBanValue(body.kind, body.value);
  if (target.kind === 'user') {
    const { rows } = await s.db.exec({ area: 'accounts', mode: 'read' }, banSql.selectUserExists, [target.value]);
    if (rows.length === 0) throw new ParleyError('account_not_found', { message: 'There is no user with that id.', details: { userId: target.value } });
  }
  return [{ ...target, postId: null }];
}

export async function createBans(s: Services, cred: Credential, scope: BanScope, body: CreateBanBody): Promise<BanRecord[]> {
  const terms = checkBanTerms(body, new Date());
  const targets = await targetsOf(s, scope, body);
  const forumId = forumIdOf(scope);
  const actor = actorLabel(actorOf(cred));
  const retroactive = body.retroactive ?? false;
  return s.db.tx({ area: 'forums' }, async (ex) => {
    await ex.query(banSql.lockBanScope, [forumId]);
    const made: BanRecord[] = [];
    for (const t of targets) {
      const net = t.kind === 'ip' || t.kind === 'range' ? t.value : null;
      const { rows } = await ex.query(banSql.insertBan, [
        forumId, t.kind, t.value, net, t.postId, terms.mode, terms.reason, terms.expiresAt, actor, retroactive, s.config.bansActiveMax,
      ]);
      if (rows.length === 0) throw new ParleyError('ban_limit_reached', { details: { max: s.config.bansActiveMax } });
      const ban = banSql.banFromRow(rows[0]);
      await appendEvent(ex, { forumId, actor, event: makeEvent<BanCreated>('BanCreated', banSnapshot(ban)) });
      made.push(ban);
    }
    return made;
  });
}

const PAGE_MAX = 100;

const encodeBanCursor = (id: string): string => Buffer.from(`ban:${id}`).toString('base64url');
function decodeBanCursor(raw: string): string {
  const text = Buffer.from(raw, 'base64url').toString();
  const id = text.startsWith('ban:') ? text.slice(4) : '';
  if (!/^[1-9][0-9]{0,18}$/.test(id)) throw new ParleyError('invalid_cursor');
  return id;
}

export async function listBans(s: Services, scope: BanScope, q: ListBansQuery): Promise<{ bans: BanRecord[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) throw new ParleyError('invalid_limit', { message: `limit must be from 1 to ${PAGE_MAX}.` });
  const before = q.cursor ? decodeBanCursor(q.cursor) : null;
  const { rows } = await s.db.exec({ area: 'forums', mode: 'read', fresh: true }, banSql.listBans, [forumIdOf(scope), q.status === 'all', before, limit + 1]);
  const bans = rows.slice(0, limit).map(banSql.banFromRow);
  return { bans, nextCursor: rows.length > limit ? encodeBanCursor(bans[bans.length - 1].id) : null };
}

export async function getBan(s: Services, scope: BanScope, id: string): Promise<BanRecord> {
  checkId(id, 'ban id');
  const { rows } = await s.db.exec({ area: 'forums', mode: 'read', fresh: true }, banSql.selectBan, [forumIdOf(scope), id]);
  if (rows.length === 0) throw new ParleyError('ban_not_found', { details: { id } });
  return banSql.banFromRow(rows[0]);
}

export async function liftBan(s: Services, cred: Credential, scope: BanScope, id: string): Promise<void> {
  checkId(id, 'ban id');
  const forumId = forumIdOf(scope);
  const actor = actorLabel(actorOf(cred));
  const lifted = await s.db.tx({ area: 'forums' }, async (ex) => {
    const { rows } = await ex.query(banSql.liftBan, [forumId, id, actor]);
    if (rows.length === 0) return false;
    await appendEvent(ex, { forumId, actor, event: makeEvent<BanLifted>('BanLifted', banSnapshot(banSql.banFromRow(rows[0]))) });
    return true;
  });
  if (!lifted) {
    await getBan(s, scope, id); // 404 when it is not there
    throw new ParleyError('ban_already_lifted', { details: { id } });
  }
}
