// A forum's moderation log, read from the event log: its posts' moderation transitions (on the
// forum's content shard) and the forum's own events (settings, roles, bans: in the forums and
// accounts databases). Each database is read once per page, newest first by event id, and the
// pages are merged by time; the cursor keeps where each database stopped, so a page costs the
// same wherever it is. Databases that are one (the one-machine default) are read once.
import type { Credential } from '@parley/access';
import { loggedEventFromRow, queueSql, type Route } from '@parley/data';
import {
  decodeLogCursor,
  encodeLogCursor,
  eventVersions,
  moderationLogSkippedTypes,
  ParleyError,
  postOf,
  type EventType,
  type LogCursor,
  type LogSource,
  type PostStatus,
  type Reason,
} from '@parley/domain';
import type { Services } from '../services.ts';
import { checkPageLimit, moderatedForum } from './queue.ts';

export interface LogEntry {
  id: string;
  type: EventType;
  at: string;
  actor: string;
  postId: string | null;
  threadId: string | null;
  status?: PostStatus;
  reasons?: Reason[];
  userId?: string;
  role?: string;
  /** a ban's event: the ban as moderators see it (never an email or address taken from a comment) */
  ban?: LogBan;
}

export interface LogBan {
  id: string;
  kind: string;
  value: string | null;
  mode: string;
  reason: string;
  expiresAt: string | null;
  postId: string | null;
}

export interface LogQuery {
  actor?: string;
  type?: string;
  cursor?: string;
  limit?: number;
}

interface Source {
  name: LogSource;
  route: Omit<Route, 'mode'>;
  /** the forum's own events are read here */
  forumLevel: boolean;
  /** its posts' events are read here */
  postLevel: boolean;
}

const prefix: Record<LogSource, string> = { content: 'c', forums: 'f', accounts: 'a' };

/** The databases that hold the forum's log, each once (by its primary). */
async function sourcesOf(s: Services, forumId: string): Promise<Source[]> {
  const all: Source[] = [
    { name: 'content', route: await s.read.locator.forumRoute(forumId), forumLevel: false, postLevel: true },
    { name: 'forums', route: { area: 'forums' }, forumLevel: true, postLevel: false },
    { name: 'accounts', route: { area: 'accounts' }, forumLevel: true, postLevel: false },
  ];
  const byUrl = new Map<string, Source>();
  for (const src of all) {
    const url = s.db.primaryUrl(src.route);
    const seen = byUrl.get(url);
    if (seen) {
      seen.forumLevel ||= src.forumLevel;
      seen.postLevel ||= src.postLevel;
    } else byUrl.set(url, { ...src });
  }
  return [...byUrl.values()];
}

function checkType(type: string | undefined): EventType | null {
  if (type === undefined || type === '') return null;
  if (!Object.hasOwn(eventVersions, type) || (moderationLogSkippedTypes as readonly string[]).includes(type)) {
    throw new ParleyError('invalid_field', { message: `type must be one of the log's event types (PostApproved, PostMarkedSpam, ForumUpdated, …), not "${type.slice(0, 40)}".`, details: { field: 'type' } });
  }
  return type as EventType;
}

function entryOf(source: LogSource, r: Record<string, unknown>): LogEntry {
  const base: LogEntry = {
    id: `${prefix[source]}:${String(r.id)}`,
    type: r.type as EventType,
    at: (r.at as Date).toISOString(),
    actor: r.actor as string,
    postId: r.post_id === null ? null : String(r.post_id),
    threadId: r.thread_id === null ? null : String(r.thread_id),
  };
  try {
    const { event } = loggedEventFromRow(r);
    const post = postOf(event);
    if (post) return { ...base, status: post.status, reasons: post.moderationReasons ?? [] };
    if (event.type === 'ForumRoleGranted' || event.type === 'ForumRoleRevoked') return { ...base, userId: event.snapshot.userId, role: event.snapshot.role };
    if (event.type === 'BanCreated' || event.type === 'BanLifted') {
      const b = event.snapshot;
      const expiresAt = b.expiresAt === null ? null : new Date(b.expiresAt).toISOString();
      return { ...base, ban: { id: b.id, kind: b.kind, value: b.value, mode: b.mode, reason: b.reason, expiresAt, postId: b.postId } };
    }
  } catch {
    // a snapshot this process cannot read (a newer schema): the entry without its details
  }
  return base;
}

export async function moderationLog(s: Services, cred: Credential, slug: string, q: LogQuery): Promise<{ entries: LogEntry[]; nextCursor: string | null }> {
  const forum = await moderatedForum(s, cred, slug);
  const limit = checkPageLimit(q.limit);
  const type = checkType(q.type);
  const cursor: LogCursor = q.cursor === undefined ? {} : decodeLogCursor(q.cursor);
  const sources = await sourcesOf(s, forum.id);
  const pages = await Promise.all(
    sources.map(async (src) => {
      const at = cursor[src.name];
      if (at === null) return { src, rows: [] as Record<string, unknown>[], more: false };
      const { rows } = await s.db.exec({ ...src.route, mode: 'read' }, queueSql.selectModerationLog, [
        forum.id, moderationLogSkippedTypes, at ?? null, q.actor || null, type, src.forumLevel, src.postLevel, limit + 1,
      ]);
      return { src, rows: rows.slice(0, limit), more: rows.length > limit };
    }),
  );
  // merge, newest first: take the newest head among the sources, limit times
  const heads = pages.map(() => 0);
  const entries: LogEntry[] = [];
  const next: LogCursor = { ...cursor };
  while (entries.length < limit) {
    let best = -1;
    for (let i = 0; i < pages.length; i++) {
      const row = pages[i].rows[heads[i]];
      if (row && (best < 0 || (row.at as Date) > (pages[best].rows[heads[best]].at as Date))) best = i;
    }
    if (best < 0) break;
    const row = pages[best].rows[heads[best]++];
    entries.push(entryOf(pages[best].src.name, row));
    next[pages[best].src.name] = String(row.id);
  }
  let left = false;
  for (let i = 0; i < pages.length; i++) {
    const { src, rows, more } = pages[i];
    if (heads[i] < rows.length || more) left = true;
    else next[src.name] = null; // read to its end
  }
  return { entries, nextCursor: left ? encodeLogCursor(next) : null };
}
