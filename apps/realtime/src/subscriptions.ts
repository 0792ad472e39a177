// What a connection asks for: its frames, parsed (protocol.ts), and its subscriptions, admitted
// (access.ts) to the hubs (hubs.ts).
import type { AuthDeps } from '@parley/access';
import { admit } from './access.ts';
import type { Clock } from './clock.ts';
import type { Connection } from './connection.ts';
import type { Hubs, Sub } from './hubs.ts';
import { errorFrame, isErrorFrame, parseFrame, pongFrame, queueErrorFrame, refusalFrame, resetFrame, subscribedFrame, unsubscribedFrame } from './protocol.ts';
import { subscriptionCount, type QueueSubscriptions } from './queue-subscriptions.ts';

export interface SubscriptionsOptions {
  hubs: Hubs;
  /** the moderation queues' subscriptions (queue-subscriptions.ts) */
  queues: QueueSubscriptions;
  auth: AuthDeps;
  maxSubscriptions: number;
  /** events a resuming subscriber may be behind before it is told to reset */
  maxReplay: number;
  clock: Clock;
  onError: (err: unknown) => void;
}

export class Subscriptions {
  private readonly opts: SubscriptionsOptions;

  constructor(opts: SubscriptionsOptions) {
    this.opts = opts;
  }

  onFrame(c: Connection, data: Buffer, isBinary: boolean): void {
    if (c.dead) return;
    const op = parseFrame(data, isBinary);
    if (isErrorFrame(op)) return c.badFrame(op);
    switch (op.op) {
      case 'ping':
        return void c.sendJson(pongFrame());
      case 'unsubscribe':
        return this.unsubscribe(c, op.threadId);
      case 'subscribe':
        return void this.subscribe(c, op.threadId, op.after, op.key, op.session).catch((err) => {
          c.subs?.delete(op.threadId);
          if (subscriptionCount(c) === 0) c.idleSince = this.opts.clock.now();
          this.opts.onError(err);
          c.sendJson(errorFrame('unavailable', undefined, op.threadId));
        });
      case 'subscribeQueue':
        return void this.opts.queues.subscribe(c, op.forum, op.key).catch((err) => {
          this.opts.onError(err);
          c.sendJson(queueErrorFrame('unavailable', op.forum));
        });
      case 'unsubscribeQueue':
        return this.opts.queues.unsubscribe(c, op.forum);
    }
  }

  private async subscribe(c: Connection, threadId: string, after: number | undefined, key: string | undefined, session?: string): Promise<void> {
    const { hubs, maxSubscriptions, maxReplay } = this.opts;
    c.subs ??= new Map();
    if (c.subs.has(threadId)) return c.refuse(errorFrame('already_subscribed', undefined, threadId));
    if (subscriptionCount(c) >= maxSubscriptions) {
      return c.refuse(errorFrame('too_many_subscriptions', `One connection may hold at most ${maxSubscriptions} subscriptions, threads and queues together.`, threadId));
    }
    c.subs.set(threadId, null); // reserved: counts toward the limit while it is set up
    const hub = await hubs.open(threadId);
    const still = () => !c.dead && c.subs?.get(threadId) === null;
    const abandon = () => {
      if (c.subs?.get(threadId) === null) c.subs.delete(threadId);
      if (c.subs?.size === 0) c.idleSince = this.opts.clock.now();
    };
    if (!hub) {
      abandon();
      return c.refuse(errorFrame('thread_not_found', 'No thread has this id.', threadId));
    }
    hub.holds++;
    try {
      const forum = await this.opts.auth.forums.byId(hub.forumId);
      if (!forum) {
        abandon();
        return c.refuse(errorFrame('forum_not_found', "The thread's forum no longer exists.", threadId));
      }
      // a subscription's `session` stands for the connection's bearer token (a signed-in reader's own view)
      const admission = await admit(forum, { key, token: session ?? c.token, origin: c.origin }, this.opts.auth);
      if ('refused' in admission) {
        abandon();
        return c.refuse(refusalFrame(admission.refused, threadId));
      }
      const { moderator } = admission;
      const grant = admission.moderator ? admission.grant : undefined;
      if (after !== undefined && after > hub.lastSeq) await hub.fill();
      if (!still()) return abandon();
      if (after !== undefined && (after > hub.lastSeq || hub.lastSeq - after > maxReplay)) {
        abandon();
        c.sendJson(resetFrame(threadId, hub.lastSeq));
        return;
      }
      const sub: Sub = {
        hub,
        cursor: after ?? hub.lastSeq,
        moderator,
        ...(grant ? { grant } : {}),
        ...(!admission.moderator && admission.userId !== undefined ? { userId: admission.userId } : {}),
        busy: false,
        active: true,
        room: () => c.room(),
        makeRoom: (bytes) => c.makeRoom(bytes),
        send: (frame) => void c.send(frame),
      };
      c.subs.set(threadId, sub);
      c.sendJson(subscribedFrame(threadId, sub.cursor, sub.moderator));
      hub.add(sub);
    } finally {
      hub.holds--;
      if (hub.idle) hubs.release(hub);
    }
  }

  private unsubscribe(c: Connection, threadId: string): void {
    const sub = c.subs?.get(threadId);
    if (sub === undefined) return c.refuse(errorFrame('not_subscribed', undefined, threadId));
    c.subs!.delete(threadId);
    if (sub) {
      sub.hub.remove(sub);
      this.opts.hubs.release(sub.hub);
    }
    if (c.subs!.size === 0) c.idleSince = this.opts.clock.now();
    c.sendJson(unsubscribedFrame(threadId));
  }

  /**
   * A moderator subscription whose grant no longer moderates its forum (reauth.ts): it ends, and
   * the client is told why (an error frame with its threadId). Not a refusal: it counts toward no
   * budget. Nothing happens when the subscription is gone or was replaced meanwhile.
   */
  revoke(c: Connection, threadId: string, sub: Sub): void {
    if (c.dead || c.subs?.get(threadId) !== sub) return;
    c.subs.delete(threadId);
    sub.hub.remove(sub);
    this.opts.hubs.release(sub.hub);
    if (c.subs.size === 0) c.idleSince = this.opts.clock.now();
    c.sendJson(errorFrame('credential_revoked', undefined, threadId));
  }

  /** The connection is over: every subscription it holds goes. */
  drop(c: Connection): void {
    if (!c.subs) return;
    for (const sub of c.subs.values()) {
      if (!sub) continue;
      sub.hub.remove(sub);
      this.opts.hubs.release(sub.hub);
    }
    c.subs.clear();
  }
}
