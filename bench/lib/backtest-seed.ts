// The backtest benchmark's forum: N comments written straight into posts and events in bulk (the
// API would take minutes), with the mix a real small site has: two in five by accounts (ages from
// a day to a year), the rest by guests from a pool of emails; some with links; a little spam
// (a word and a domain) mostly marked as spam, some deleted; comments waiting for review, most of
// them approved later; each comment its own PostCreated snapshot, encoded as the API encodes it,
// and each later moderator decision its own status event. Comments are a second apart.
import type pg from 'pg';
import { encodeSnapshot } from '../../packages/data/src/index.ts';
import { renderMessage, type PostRecord, type PostStatus } from '../../packages/domain/src/index.ts';

const templates = [
  'Thanks for writing this up. I tried the second approach on our staging cluster and it cut the p99 in half.',
  'I disagree with the conclusion: the numbers in the third table do not support it, see https://example.com/notes.',
  'Has anyone measured it with **synchronous_commit** left on? Our numbers are at https://example.org/bench and https://example.net/raw.',
  'Great post, bookmarked. The part about connection pools was exactly what I needed this week.',
  'Win big at the best online casino tonight! Free spins at https://casino-spam.example/bonus https://casino-spam.example/win',
];
const SPAM = 4;
const rendered = templates.map((t) => renderMessage(t));

/** What happens to comment i: the template it uses, its status when written, and the later decisions. */
function plan(i: number): { template: number; initial: PostStatus; later: PostStatus[] } {
  const k = i % 100;
  if (k < 4) return { template: SPAM, initial: 'approved', later: [k < 3 ? 'spam' : 'deleted'] };
  if (k < 8) return { template: 2, initial: 'pending', later: ['approved'] };
  if (k < 10) return { template: 1, initial: 'pending', later: [] };
  if (k < 13) return { template: 0, initial: 'approved', later: ['deleted'] };
  return { template: (k % 4) as 0 | 1 | 2 | 3, initial: 'approved', later: [] };
}

const transitionEvent: Record<string, string> = { approved: 'PostApproved', spam: 'PostMarkedSpam', deleted: 'PostDeleted' };

export interface Seeded {
  forumId: string;
  comments: number;
  events: number;
}

export async function seedBacktestForum(c: pg.Client, n: number, log: (line: string) => void): Promise<Seeded> {
  const forumId = String((await c.query(`INSERT INTO forums (slug, name, moderator_key_hash) VALUES ('bench-backtest', 'Backtest bench', '\\x00') RETURNING id`)).rows[0].id);
  const threads = (await c.query(`INSERT INTO threads (forum_id, identifier, title) SELECT $1, 'page-' || g, 'A page' FROM generate_series(1, 100) g RETURNING id`, [forumId])).rows.map((r) => String(r.id));
  const users = (await c.query(`INSERT INTO users (username, email, password_hash, created_at)
    SELECT 'bt-user-' || g, 'bt-user-' || g || '@example.org', 'x', now() - (g % 365 + 1) * interval '1 day' FROM generate_series(1, 2000) g RETURNING id`)).rows.map((r) => String(r.id));
  const seqs = new Map<string, number>();
  const start = Date.now() - n * 1000 - 3_600_000;
  let events = 0;
  const batch = 5000;
  for (let from = 0; from < n; from += batch) {
    const size = Math.min(batch, n - from);
    const ids = (await c.query(`SELECT nextval(pg_get_serial_sequence('posts', 'id'))::text AS id FROM generate_series(1, $1)`, [size])).rows.map((r) => r.id as string);
    const posts: { post: PostRecord; email: string | null; later: PostStatus[] }[] = [];
    for (let j = 0; j < size; j++) {
      const i = from + j;
      const p = plan(i);
      const h = (i * 2654435761) >>> 0;
      const byAccount = p.template !== SPAM && h % 5 < 2;
      const createdAt = new Date(start + i * 1000);
      const post: PostRecord = {
        id: ids[j], threadId: threads[i % threads.length], forumId, parentId: null, depth: 0, path: [ids[j]],
        authorUserId: byAccount ? users[h % users.length] : null, authorName: byAccount ? `user ${h % users.length}` : `Guest ${h % 5000}`,
        message: `${templates[p.template]} (${i})`, html: rendered[p.template],
        status: p.initial, initialStatus: p.initial as PostRecord['initialStatus'], prevStatus: null, moderationReasons: [], flagCount: 0,
        revision: 1, score: 0, replyCount: 0, notify: false, createdAt, editedAt: null,
      } as PostRecord;
      posts.push({ post, email: byAccount ? null : `guest${p.template === SPAM ? 9000 + (h % 50) : h % 5000}@example.org`, later: p.later });
    }
    const finalStatus = (x: (typeof posts)[number]) => x.later.at(-1) ?? x.post.status;
    await c.query(`INSERT INTO posts (id, thread_id, forum_id, depth, path, author_user_id, author_name, author_email, message, html, status, initial_status, created_at)
      SELECT id, thread_id, $1, 0, ARRAY[id], author_user_id, author_name, author_email, message, html, status, initial_status, created_at
      FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
        AS u(id, thread_id, author_user_id, author_name, author_email, message, html, status, initial_status, created_at)`,
    [forumId, posts.map((x) => x.post.id), posts.map((x) => x.post.threadId), posts.map((x) => x.post.authorUserId), posts.map((x) => x.post.authorName),
      posts.map((x) => x.email), posts.map((x) => x.post.message), posts.map((x) => x.post.html), posts.map(finalStatus), posts.map((x) => x.post.initialStatus),
      posts.map((x) => x.post.createdAt)]);
    // the batch's creations, then its later decisions (a minute after each comment)
    const rows: { threadId: string; postId: string; type: string; at: Date; snapshot: Buffer; actor: string }[] = [];
    for (const x of posts) rows.push({ threadId: x.post.threadId, postId: x.post.id, type: 'PostCreated', at: x.post.createdAt, snapshot: encodeSnapshot(x.post), actor: 'public' });
    for (const x of posts) {
      let prev = x.post.status;
      for (const to of x.later) {
        rows.push({ threadId: x.post.threadId, postId: x.post.id, type: transitionEvent[to], at: new Date(x.post.createdAt.getTime() + 60_000), snapshot: encodeSnapshot({ ...x.post, status: to, prevStatus: prev }), actor: `moderator:${forumId}` });
        prev = to;
      }
    }
    const seqOf = (threadId: string) => {
      const s = (seqs.get(threadId) ?? 0) + 1;
      seqs.set(threadId, s);
      return s;
    };
    await c.query(`INSERT INTO events (forum_id, thread_id, seq, type, schema_version, actor, post_id, snapshot, at)
      SELECT $1, thread_id, seq, type, 1, actor, post_id, snapshot, at
      FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bytea[], $8::timestamptz[]) AS u(thread_id, seq, type, actor, post_id, snapshot, at)`,
    [forumId, rows.map((r) => r.threadId), rows.map((r) => seqOf(r.threadId)), rows.map((r) => r.type), rows.map((r) => r.actor), rows.map((r) => r.postId), rows.map((r) => r.snapshot), rows.map((r) => r.at)]);
    events += rows.length;
    if ((from / batch) % 4 === 3 || from + size >= n) log(`seed: ${from + size} comments, ${events} events`);
  }
  await c.query(`UPDATE threads t SET last_seq = s.seq FROM (SELECT thread_id, max(seq) AS seq FROM events WHERE forum_id = $1 GROUP BY thread_id) s WHERE t.id = s.thread_id`, [forumId]);
  await c.query('ANALYZE');
  return { forumId, comments: n, events };
}
