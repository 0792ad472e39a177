// Comment writers: guests posting through POST /v1/threads/:id/posts at a paced rate, a share of
// them replies to earlier acknowledged comments of the same thread. Every attempt is one unique
// message, so the database can be asked about each one afterwards. A comment is acknowledged
// only by a 201 with its id; an attempt without an answer is "unknown" (it may be there); a
// refused one (5xx, or the connection refused) is retried as a new attempt after a backoff.
import { call, sleep } from './http.ts';

export type AttemptOutcome = 'acked' | 'unknown' | 'refused' | 'rejected';

export interface Attempt {
  message: string;
  threadId: string;
  parentId?: string;
  outcome: AttemptOutcome;
  status?: number;
  postId?: string;
  error?: string;
}

export class CommentLedger {
  readonly attempts: Attempt[] = [];
  /** acknowledged post ids per thread (parents for replies) */
  readonly ackedByThread = new Map<string, string[]>();
  readonly counts: Record<AttemptOutcome, number> = { acked: 0, unknown: 0, refused: 0, rejected: 0 };
  /** distinct reasons for refusals and rejections, with counts (shown in the summary) */
  readonly reasons = new Map<string, number>();

  record(a: Attempt): void {
    this.attempts.push(a);
    this.counts[a.outcome]++;
    if (a.outcome === 'acked') {
      const list = this.ackedByThread.get(a.threadId) ?? [];
      list.push(a.postId!);
      this.ackedByThread.set(a.threadId, list);
    } else {
      const why = a.status ? `${a.status} ${a.error ?? ''}`.trim() : (a.error ?? '').split(':')[0];
      this.reasons.set(`${a.outcome}: ${why}`, (this.reasons.get(`${a.outcome}: ${why}`) ?? 0) + 1);
    }
  }

  acked(): Attempt[] {
    return this.attempts.filter((a) => a.outcome === 'acked');
  }
}

export interface WritersOptions {
  apiUrl: string;
  threadIds: string[];
  ledger: CommentLedger;
  /** attempts per second, all writers together */
  rate: number;
  writers: number;
  replyShare: number;
  label: string;
}

export function startWriters(o: WritersOptions): { stop(): Promise<void> } {
  let running = true;
  let n = 0;
  const loops = Array.from({ length: o.writers }, async (_, w) => {
    const every = (1000 * o.writers) / o.rate;
    let backoff = 100;
    await sleep(Math.random() * every);
    while (running) {
      const began = Date.now();
      const threadId = o.threadIds[Math.floor(Math.random() * o.threadIds.length)];
      const parents = o.ledger.ackedByThread.get(threadId);
      const parentId = parents?.length && Math.random() < o.replyShare ? parents[Math.floor(Math.random() * parents.length)] : undefined;
      const message = `${o.label} w${w} #${++n} ${Date.now().toString(36)}`;
      const body: Record<string, unknown> = { message, author: { name: `Guest ${w}`, email: `guest${w}@example.com` } };
      if (parentId) body.parentId = parentId;
      const r = await call(o.apiUrl, 'POST', `/v1/threads/${threadId}/posts`, { body });
      let ok = false;
      if (r.kind === 'answer' && r.status === 201) {
        const id = (r.body as { post?: { id?: string } }).post?.id;
        o.ledger.record({ message, threadId, parentId, outcome: id ? 'acked' : 'unknown', postId: id, status: 201 });
        ok = !!id;
      } else if (r.kind === 'answer') {
        const code = (r.body as { error?: { code?: string } })?.error?.code ?? '';
        o.ledger.record({ message, threadId, parentId, outcome: r.status >= 500 ? 'refused' : 'rejected', status: r.status, error: code });
      } else {
        o.ledger.record({ message, threadId, parentId, outcome: r.kind === 'not-sent' ? 'refused' : 'unknown', error: r.error });
      }
      if (ok) backoff = 100;
      else {
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 1000);
      }
      await sleep(Math.max(0, every - (Date.now() - began)));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
