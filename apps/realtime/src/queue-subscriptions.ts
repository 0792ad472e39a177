// A connection's moderation queue subscriptions (docs/realtime.md, "The moderation queue, live"):
// admitted as a thread's moderator subscription is (access.ts: the frame's key, else the upgrade's
// token), but only as a moderator; counted in the same subscription limit; re-checked by reauth.ts
// while they last.
import type { AuthDeps } from '@parley/access';
import { admit } from './access.ts';
import type { Clock } from './clock.ts';
import type { Connection } from './connection.ts';
import { queueErrorFrame, queueSubscribedFrame, queueUnsubscribedFrame } from './protocol.ts';
import type { QueueHubs, QueueSub } from './queue-hubs.ts';

export interface QueueSubscriptionsOptions {
  queues: QueueHubs;
  auth: AuthDeps;
  maxSubscriptions: number;
  clock: Clock;
}

/** Everything a connection subscribes to, threads and queues: one limit for both. */
export const subscriptionCount = (c: Connection): number => (c.subs?.size ?? 0) + (c.queues?.size ?? 0);

export class QueueSubscriptions {
  private readonly opts: QueueSubscriptionsOptions;

  constructor(opts: QueueSubscriptionsOptions) {
    this.opts = opts;
  }

  private settle(c: Connection): void {
    if (subscriptionCount(c) === 0) c.idleSince = this.opts.clock.now();
  }

  /** The connection asked; a database that is away throws (the caller answers `unavailable`). */
  async subscribe(c: Connection, slug: string, key: string | undefined): Promise<void> {
    const { queues, auth, maxSubscriptions } = this.opts;
    c.queues ??= new Map();
    if (c.queues.has(slug)) return c.refuse(queueErrorFrame('already_subscribed', slug));
    if (subscriptionCount(c) >= maxSubscriptions) {
      return c.refuse(queueErrorFrame('too_many_subscriptions', slug, `One connection may hold at most ${maxSubscriptions} subscriptions, threads and queues together.`));
    }
    c.queues.set(slug, null); // reserved: counts toward the limit while it is set up
    const still = () => !c.dead && c.queues?.get(slug) === null;
    const abandon = () => {
      if (c.queues?.get(slug) === null) c.queues.delete(slug);
      this.settle(c);
    };
    try {
      const forum = await auth.forums.bySlug(slug);
      if (!forum) {
        abandon();
        return c.refuse(queueErrorFrame('forum_not_found', slug, 'No forum has this slug.'));
      }
      const admission = await admit(forum, { key, token: c.token, origin: c.origin }, auth);
      if ('refused' in admission) {
        abandon();
        return c.refuse(queueErrorFrame(admission.refused.code, slug, admission.refused.message));
      }
      if (!admission.moderator) {
        abandon();
        return c.refuse(queueErrorFrame('unauthorized', slug, "The moderation queue is for the forum's moderators: subscribe with its moderator key or a moderator's session."));
      }
      const hub = await queues.open(forum.id, slug);
      hub.holds++;
      try {
        if (!still()) return abandon();
        const sub: QueueSub = { hub, forum: slug, grant: admission.grant, active: true, send: (frame) => void c.send(frame) };
        c.queues.set(slug, sub);
        c.sendJson(queueSubscribedFrame(slug));
        hub.subs.add(sub);
      } finally {
        hub.holds--;
        if (hub.idle) queues.release(hub);
      }
    } catch (err) {
      abandon();
      throw err;
    }
  }

  unsubscribe(c: Connection, slug: string): void {
    const sub = c.queues?.get(slug);
    if (sub === undefined) return c.refuse(queueErrorFrame('not_subscribed', slug));
    c.queues!.delete(slug);
    if (sub) this.end(sub);
    this.settle(c);
    c.sendJson(queueUnsubscribedFrame(slug));
  }

  /** What admitted it no longer moderates the forum (reauth.ts): it ends, and the client is told. */
  revoke(c: Connection, slug: string, sub: QueueSub): void {
    if (c.dead || c.queues?.get(slug) !== sub) return;
    c.queues.delete(slug);
    this.end(sub);
    this.settle(c);
    c.sendJson(queueErrorFrame('credential_revoked', slug));
  }

  /** The connection is over. */
  drop(c: Connection): void {
    if (!c.queues) return;
    for (const sub of c.queues.values()) if (sub) this.end(sub);
    c.queues.clear();
  }

  private end(sub: QueueSub): void {
    sub.active = false;
    sub.hub.subs.delete(sub);
    this.opts.queues.release(sub.hub);
  }
}
