// One hub per thread a node serves. It holds the thread's events as one contiguous, ordered run
// up to `lastSeq` (a ring of the most recent ones), whatever order the bus delivered them in:
// an event past a gap waits while the gap is read from the log. Each subscriber has a cursor
// (the last seq it was sent); delivery sends everything after the cursor, from the ring, or from
// the log when the subscriber is further behind than the ring reaches, and paces a backlog by how
// fast the client reads. So a subscriber sees each event once, in order, and the seam between
// replay and live has nothing to fall into.
import type { ThreadEvent } from '@parley/data';
import { eventView, postOf } from '@parley/domain';
import type { EventLog } from './event-log.ts';

/** An event rendered once per viewer class; frames are built from these strings. */
export interface Entry {
  seq: number;
  pub: string;
  mod: string;
  /** an event of a shadowed post: how its author sees it (as published); everyone else gets `pub` */
  own?: { userId: string; json: string };
}

export interface Subscriber {
  cursor: number;
  readonly moderator: boolean;
  /** a public subscription's signed-in account: its own shadowed posts' events come as the author sees them */
  readonly userId?: string;
  /** being paced (a backlog, from the ring or the log): live flushes leave it alone */
  busy: boolean;
  /** false once unsubscribed or disconnected */
  active: boolean;
  /** bytes the connection's send buffer can take now */
  room(): number;
  /** waits until `bytes` fit; false (and the connection is cut off) when the client doesn't read in time */
  makeRoom(bytes: number): Promise<boolean>;
  send(frame: Buffer): void;
}

interface Frame {
  data: Buffer;
  /** seq of the frame's last event */
  last: number;
}

export interface HubOptions {
  log: EventLog;
  ringSize: number;
  coalesceMs: number;
  /** events per frame and per log read */
  batch: number;
  /** a frame closes once it holds this many bytes (an event larger than that goes alone) */
  frameBytes: number;
  onError: (err: unknown) => void;
}

const MAX_PENDING = 10_000;

export function render(e: ThreadEvent): Entry {
  const entry: Entry = {
    seq: e.seq,
    pub: JSON.stringify(eventView(e.seq, e.at, e.event, { moderator: false })),
    mod: JSON.stringify(eventView(e.seq, e.at, e.event, { moderator: true })),
  };
  // a third rendering only for the (rare) events of a shadowed post with a known author
  const post = postOf(e.event);
  if (post?.status === 'shadowed' && post.authorUserId !== null) {
    const userId = post.authorUserId;
    entry.own = { userId, json: JSON.stringify(eventView(e.seq, e.at, e.event, { moderator: false, userId })) };
  }
  return entry;
}

/** The viewer class a subscriber's frames are rendered for, over these entries: an author of one of them gets frames of their own. */
const classOf = (sub: Pick<Subscriber, 'moderator' | 'userId'>, entries: readonly Entry[]): string => {
  if (sub.moderator) return 'm';
  if (sub.userId !== undefined && entries.some((e) => e.own?.userId === sub.userId)) return `u${sub.userId}`;
  return 'p';
};

export class Hub {
  readonly threadId: string;
  readonly forumId: string;
  lastSeq: number;
  readonly subs = new Set<Subscriber>();
  /** subscriptions being set up; the hub stays while > 0 */
  holds = 0;
  private readonly opts: HubOptions;
  private readonly ring: Entry[] = [];
  private readonly pending = new Map<number, Entry>();
  /** subscribers whose replay from the log failed (see retry) */
  private readonly stalled = new Set<Subscriber>();
  private filling: Promise<void> | undefined;
  private refill = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastFlush = 0;
  private prevFlush = 0;
  private readonly threadJson: string;

  constructor(threadId: string, forumId: string, lastSeq: number, opts: HubOptions) {
    this.threadId = threadId;
    this.forumId = forumId;
    this.lastSeq = lastSeq;
    this.opts = opts;
    this.threadJson = JSON.stringify(threadId);
  }

  get idle(): boolean {
    return this.subs.size === 0 && this.holds === 0;
  }

  /** Live events (from the bus or the log), any order, duplicates allowed. */
  offer(entries: Entry[]): void {
    let advanced = false;
    let gap = false;
    for (const e of entries) {
      if (e.seq <= this.lastSeq) continue;
      if (e.seq === this.lastSeq + 1) {
        this.append(e);
        advanced = true;
      } else {
        if (this.pending.size < MAX_PENDING) this.pending.set(e.seq, e);
        gap = true;
      }
    }
    // events that waited for a gap now follow on
    while (this.pending.size) {
      const next = this.pending.get(this.lastSeq + 1);
      if (!next) break;
      this.pending.delete(next.seq);
      this.append(next);
      advanced = true;
    }
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
    if (gap && this.pending.size) this.fill();
    if (advanced) this.schedule();
  }

  /** A hint that the log has events past `seq` (a reference publish, a sweep, a reconnect). */
  behind(seq: number): void {
    if (seq > this.lastSeq) this.fill();
  }

  /** Reads the log from lastSeq until it runs out; concurrent calls share one read (and one more after it). */
  fill(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return this.filling;
    }
    this.filling = (async () => {
      try {
        do {
          this.refill = false;
          for (;;) {
            const got = await this.opts.log.after(this.threadId, this.lastSeq, this.opts.batch);
            this.offer(got.map(render));
            if (got.length < this.opts.batch) break;
          }
        } while (this.refill);
      } catch (err) {
        this.opts.onError(err);
      } finally {
        this.filling = undefined;
      }
    })();
    return this.filling;
  }

  /**
   * Delivers again to every subscriber left behind: one whose replay from the log failed (the
   * database went away mid-way) waits for nothing else, since no new event may come. The sweep
   * calls this once the log answers again.
   */
  retry(): void {
    if (this.stalled.size === 0) return;
    const stalled = [...this.stalled];
    this.stalled.clear();
    const frames = new Map<string, Frame[]>();
    for (const sub of stalled) if (this.subs.has(sub)) this.deliver(sub, frames);
  }

  add(sub: Subscriber): void {
    this.subs.add(sub);
    this.deliver(sub, new Map());
  }

  remove(sub: Subscriber): void {
    sub.active = false;
    this.subs.delete(sub);
    this.stalled.delete(sub);
  }

  close(): void {
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private append(e: Entry): void {
    this.ring.push(e);
    this.lastSeq = e.seq;
    if (this.ring.length > this.opts.ringSize * 2) this.ring.splice(0, this.ring.length - this.opts.ringSize);
  }

  /**
   * Coalescing, only when the thread is hot: an event goes out on the next turn of the event loop
   * unless this hub already flushed twice within the last `coalesceMs`; then it waits for the
   * window after the latest flush, and everything that arrived meanwhile goes in one frame. A lone
   * event is never held back.
   */
  private schedule(): void {
    if (this.timer) return;
    const now = Date.now();
    const hot = now - this.prevFlush < this.opts.coalesceMs;
    const wait = hot ? this.lastFlush + this.opts.coalesceMs - now : 0;
    this.timer = wait > 0 ? setTimeout(this.flush, wait) : setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    this.prevFlush = this.lastFlush;
    this.lastFlush = Date.now();
    const frames = new Map<string, Frame[]>();
    for (const sub of this.subs) this.deliver(sub, frames);
  };

  /**
   * Sends a subscriber everything after its cursor. Frames are shared by subscribers at the same
   * cursor. What doesn't fit the connection's send buffer now (a big replay, a burst of long
   * comments) goes through `pace`, at the pace the client reads.
   */
  private deliver(sub: Subscriber, frames: Map<string, Frame[]>): void {
    if (!sub.active || sub.busy || sub.cursor >= this.lastSeq) return;
    const first = this.ring.length ? this.ring[0].seq : this.lastSeq + 1;
    if (sub.cursor + 1 < first) {
      void this.pace(sub);
      return;
    }
    const entries = this.ring.slice(sub.cursor + 1 - first);
    const key = `${sub.cursor}:${classOf(sub, entries)}`;
    let out = frames.get(key);
    if (!out) {
      out = this.framesOf(entries, sub);
      frames.set(key, out);
    }
    let size = 0;
    for (const f of out) size += f.data.length;
    if (size > sub.room()) {
      void this.pace(sub);
      return;
    }
    for (const f of out) sub.send(f.data);
    sub.cursor = this.lastSeq;
  }

  /**
   * Frame by frame, from the ring when it still holds the events, else from the log; each frame
   * waits for room in the send buffer. A client that makes no room in time is cut off (told to
   * reset), so a connection holds at most its buffer bound plus one frame.
   */
  private async pace(sub: Subscriber): Promise<void> {
    sub.busy = true;
    let done = false;
    try {
      while (sub.active && sub.cursor < this.lastSeq) {
        const first = this.ring.length ? this.ring[0].seq : this.lastSeq + 1;
        let entries: Entry[];
        if (sub.cursor + 1 >= first) entries = this.ring.slice(sub.cursor + 1 - first, sub.cursor + 1 - first + this.opts.batch);
        else {
          const got = await this.opts.log.after(this.threadId, sub.cursor, Math.min(this.opts.batch, first - 1 - sub.cursor));
          if (got.length === 0) return; // the log has nothing yet: the next flush tries again
          entries = got.map(render);
        }
        for (const f of this.framesOf(entries, sub)) {
          if (!sub.active) return;
          if (f.data.length > sub.room() && !(await sub.makeRoom(f.data.length))) return;
          if (!sub.active || f.last <= sub.cursor) continue;
          sub.send(f.data);
          sub.cursor = f.last;
        }
      }
      done = true;
    } catch (err) {
      this.opts.onError(err);
      this.stalled.add(sub);
    } finally {
      sub.busy = false;
    }
    if (done) this.deliver(sub, new Map());
  }

  private framesOf(entries: Entry[], viewer: Pick<Subscriber, 'moderator' | 'userId'>): Frame[] {
    const head = `{"op":"events","threadId":${this.threadJson},"events":[`;
    const out: Frame[] = [];
    let part: string[] = [];
    let bytes = 0;
    let last = 0;
    const close = () => {
      if (part.length) out.push({ data: Buffer.from(`${head}${part.join(',')}]}`), last });
      part = [];
      bytes = 0;
    };
    for (const e of entries) {
      const json = viewer.moderator ? e.mod : e.own !== undefined && e.own.userId === viewer.userId ? e.own.json : e.pub;
      if (part.length && (part.length >= this.opts.batch || bytes + json.length > this.opts.frameBytes)) close();
      part.push(json);
      bytes += json.length + 1;
      last = e.seq;
    }
    close();
    return out;
  }
}
