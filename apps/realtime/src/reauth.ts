// Moderator subscriptions follow revocation. A subscription admitted as a moderator (access.ts)
// keeps its grant: the session or forum key it came with. Every PARLEY_REALTIME_REAUTH_SECONDS the
// node re-checks every such grant it holds, in a batch: one accounts query for all the distinct
// sessions on the node (their roles come with them, as on every HTTP request) and one forums query
// for all the distinct keys (not the forum cache, so a rotation is seen at the next sweep rather
// than the cache's TTL later). A subscription whose grant no longer moderates its thread's forum
// (signed out, session expired, role removed, key rotated) ends with a `credential_revoked` error
// frame (docs/realtime.md). The admin token is configuration, so it is not re-checked. A failed
// check (the database away) revokes nothing: it is tried again at the next sweep.
import { moderates, resolveSessions, type AuthDeps } from '@parley/access';
import { roleSql } from '@parley/data';
import type { Connection } from './connection.ts';
import type { Sub } from './hubs.ts';
import type { QueueSub } from './queue-hubs.ts';

/** A live moderator subscription, as reauth sees it: of a thread, or of a forum's moderation queue. */
export type Held = { c: Connection; threadId: string; sub: Sub } | { c: Connection; forum: string; sub: QueueSub };

/** Every moderator subscription of these connections with a grant to re-check. */
export function* heldGrants(conns: Iterable<Connection>): Generator<Held> {
  for (const c of conns) {
    if (c.dead) continue;
    for (const [threadId, sub] of c.subs ?? []) {
      if (sub?.moderator && sub.grant && sub.grant.kind !== 'admin') yield { c, threadId, sub };
    }
    for (const [forum, sub] of c.queues ?? []) {
      if (sub && sub.grant.kind !== 'admin') yield { c, forum, sub };
    }
  }
}

/** The held subscriptions whose grant no longer moderates their forum. */
export async function revoked(held: readonly Held[], deps: AuthDeps): Promise<Held[]> {
  const sessions = new Map<string, Buffer>();
  const keys = new Map<string, Buffer>();
  for (const { sub } of held) {
    const g = sub.grant;
    if (g?.kind === 'session') sessions.set(g.hash.toString('hex'), g.hash);
    if (g?.kind === 'key') keys.set(g.hash.toString('hex'), g.hash);
  }
  const [users, keyForums] = await Promise.all([resolveSessions([...sessions.values()], deps), forumsOfKeys([...keys.values()], deps)]);
  const stillModerates = (sub: Sub | QueueSub): boolean => {
    const g = sub.grant;
    if (g?.kind === 'key') return keyForums.get(g.hash.toString('hex')) === sub.hub.forumId;
    const user = g?.kind === 'session' ? users.get(g.hash.toString('hex')) : undefined;
    return user !== undefined && moderates(user, sub.hub.forumId);
  };
  return held.filter(({ sub }) => !stillModerates(sub));
}

/** The forum id each key hash still opens, by the hash in hex: one forums query for them all. */
async function forumsOfKeys(hashes: Buffer[], deps: AuthDeps): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const { rows } = await deps.db.exec({ area: 'forums', mode: 'read' }, roleSql.selectKeyForums, [hashes]);
  return new Map(rows.map((r) => [(r.moderator_key_hash as Buffer).toString('hex'), r.id as string]));
}

export interface ReauthOptions {
  periodMs: number;
  deps: AuthDeps;
  connections: () => Iterable<Connection>;
  revoke: (h: Held) => void;
  onError: (err: unknown) => void;
}

/** Re-checks the node's moderator subscriptions every period; returns the function that stops it. */
export function startReauth(opts: ReauthOptions): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const held = [...heldGrants(opts.connections())];
      if (held.length > 0) for (const h of await revoked(held, opts.deps)) opts.revoke(h);
    } catch (err) {
      opts.onError(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), opts.periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
