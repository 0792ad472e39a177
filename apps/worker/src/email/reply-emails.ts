// The `reply-emails` signal handler: when a reply becomes visible, the parent's author gets an
// email if they opted in (`notify`) and did not write the reply themselves. The handler claims
// its events and enqueues one `parley.email` job per email in the same transaction, so an event
// is enqueued exactly once however often its batch runs. Sending (opt-outs, the hourly cap, the
// at-most-once log) is the email queue's job: queue.ts.
import { claimEvents, emailSql, normalizeEmail, type LoggedEvent } from '@parley/data';
import { isPublished, isPublishingEvent, postOf, publishingEventTypes, type PostRecord } from '@parley/domain';
import type { SignalContext, SignalHandler } from '../signals/registry.ts';
import type { ReplyEmailJob } from './job.ts';

export const EMAIL_QUEUE = 'parley.email';
export const REPLY_EMAILS = 'reply-emails';

/**
 * "A reply became visible": created published, approved (from pending or spam), or restored.
 * A reply can be published more than once (approved, marked spam, approved again); the email
 * log is unique per reply and recipient, so only its first publication ever emails.
 */
function publishedReply(e: LoggedEvent): PostRecord | undefined {
  if (!isPublishingEvent(e.event.type)) return undefined;
  const post = postOf(e.event);
  return post && isPublished(post.status) && post.parentId !== null ? post : undefined;
}

// Ids carry their content shard above bit 48 (docs/adr/0001-ids-carry-their-shard.md).

interface Author {
  userId: string | null;
  name: string;
  email: string | null;
  notify: boolean;
  status: string;
}

/** What the log and the accounts say about the people involved; read before the transaction. */
interface Facts {
  posts: Map<string, Author>;
  threads: Map<string, { title: string | null; url: string | null }>;
}

async function readFacts(ctx: SignalContext, shard: number, replies: PostRecord[]): Promise<Facts> {
  const route = { area: 'content' as const, shard, mode: 'read' as const, fresh: true };
  const ids = [...new Set(replies.flatMap((r) => [r.id, r.parentId!]))];
  const threadIds = [...new Set(replies.map((r) => r.threadId))];
  const [postRows, threadRows] = await Promise.all([
    ctx.db.exec(route, emailSql.selectPostAuthors, [ids]),
    ctx.db.exec(route, emailSql.selectThreadTitles, [threadIds]),
  ]);
  const userIds = [...new Set(postRows.rows.map((r) => r.author_user_id as string | null).filter((id) => id !== null))];
  const users = new Map<string, string>();
  if (userIds.length) {
    const { rows } = await ctx.db.exec({ area: 'accounts', mode: 'read', fresh: true }, emailSql.selectUserEmails, [userIds]);
    for (const u of rows) users.set(String(u.id), u.email as string);
  }
  const posts = new Map<string, Author>();
  for (const r of postRows.rows) {
    const userId = (r.author_user_id as string | null) ?? null;
    posts.set(String(r.id), {
      userId,
      name: r.author_name as string,
      email: userId ? (users.get(userId) ?? null) : ((r.author_email as string | null) ?? null),
      notify: r.notify as boolean,
      status: r.status as string,
    });
  }
  const threads = new Map(threadRows.rows.map((t) => [String(t.id), { title: (t.title as string | null) ?? null, url: (t.url as string | null) ?? null }]));
  return { posts, threads };
}

/** The email a published reply calls for, or why there is none. Pure: tested on its own. */
export function decideReplyEmail(eventId: string, at: Date, reply: PostRecord, facts: Facts): ReplyEmailJob | { skip: string } {
  const parent = facts.posts.get(reply.parentId!);
  const replier = facts.posts.get(reply.id);
  if (!parent) return { skip: 'parent_missing' };
  if (!parent.notify) return { skip: 'not_opted_in' };
  if (parent.status === 'deleted' || parent.status === 'spam') return { skip: 'parent_hidden' };
  if (!parent.email) return { skip: 'no_address' };
  if (parent.userId !== null && parent.userId === reply.authorUserId) return { skip: 'own_reply' };
  if (replier?.email && normalizeEmail(replier.email) === normalizeEmail(parent.email)) return { skip: 'own_reply' };
  const thread = facts.threads.get(reply.threadId) ?? { title: null, url: null };
  return {
    v: 1,
    eventId,
    replyId: reply.id,
    parentId: reply.parentId!,
    threadId: reply.threadId,
    to: parent.email,
    toName: parent.name,
    replier: reply.authorName,
    text: reply.message,
    html: reply.html,
    thread,
    at: at.toISOString(),
  };
}

export const replyEmails: SignalHandler = {
  name: REPLY_EMAILS,
  types: publishingEventTypes,
  async handle(events, ctx) {
    const replies: { event: LoggedEvent; reply: PostRecord }[] = [];
    for (const event of events) {
      const reply = publishedReply(event);
      if (reply) replies.push({ event, reply });
    }
    // the shard that holds the forum now (a moved forum keeps its ids, docs/adr/0009)
    const byShard = await ctx.locator.byShard(replies, (r) => r.reply.forumId, { fresh: true });
    for (const [shard, items] of byShard) {
      const facts = await readFacts(ctx, shard, items.map((i) => i.reply));
      const jobs: ReplyEmailJob[] = [];
      for (const { event, reply } of items) {
        const d = decideReplyEmail(event.id, event.at, reply, facts);
        if ('skip' in d) continue;
        jobs.push(d);
      }
      await ctx.db.tx({ area: 'content', shard }, async (ex) => {
        const fresh = await claimEvents(ex, REPLY_EMAILS, items.map((i) => i.event.id));
        const mine = jobs.filter((j) => fresh.has(j.eventId));
        if (mine.length === 0) return;
        // In this transaction: the claim and the jobs commit together or not at all.
        await ctx.boss.insert(EMAIL_QUEUE, mine.map((data) => ({ data })), {
          db: { executeSql: (text: string, values?: unknown[]) => ex.query(text, values) },
        });
      });
    }
  },
};
