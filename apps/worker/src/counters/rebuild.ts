// `pnpm counters:rebuild`: recomputes every counter from the event log alone (each post's latest
// snapshot says its status, thread, forum, author and parent), compares with the live counters,
// and with `apply` writes the recomputed values and marks those events applied. Applying takes
// the applied_events lock of the content database for its transaction, so a worker on the same
// database waits; with areas on separate databases, pause the workers while applying.
import { readEvent, shardOfId, type Database, type Executor } from '@parley/data';
import { postOf, type PostRecord } from '@parley/domain';

type Counts = Map<string, { approved: number; pending: number }>;
export interface Difference {
  counter: 'thread' | 'forum' | 'user' | 'replies';
  id: string;
  live: number;
  rebuilt: number;
  field: 'post_count' | 'pending_count' | 'reply_count';
}

const postTypes = ['PostCreated', 'PostEdited', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored', 'VoteCast'];
const handlers = ['counters:content', 'counters:forums', 'counters:accounts'];

function add(m: Counts, key: string | null, status: string): void {
  if (key === null) return;
  const c = m.get(key) ?? { approved: 0, pending: 0 };
  if (status === 'approved') c.approved++;
  if (status === 'pending') c.pending++;
  m.set(key, c);
}

/** The latest snapshot of every post in the log, read in pages. */
async function latestPosts(ex: Executor, log: (l: string) => void): Promise<{ posts: Map<string, PostRecord>; events: number; maxId: string }> {
  const posts = new Map<string, { seq: number; post: PostRecord }>();
  let after = '0';
  let events = 0;
  for (;;) {
    const { rows } = await ex.query(
      `SELECT id, seq, type, schema_version, snapshot FROM events WHERE id > $1 AND type = ANY($2::text[]) ORDER BY id LIMIT 5000`,
      [after, postTypes],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const post = postOf(readEvent(r.type as string, r.schema_version as number, r.snapshot as Buffer));
      const seq = Number(r.seq);
      if (post && (posts.get(post.id)?.seq ?? -1) < seq) posts.set(post.id, { seq, post });
    }
    events += rows.length;
    after = String(rows[rows.length - 1].id);
    log(`read ${events} events, ${posts.size} posts`);
  }
  return { posts: new Map([...posts].map(([k, v]) => [k, v.post])), events, maxId: after };
}

export async function rebuildCounters(db: Database, opts: { apply: boolean; log?: (l: string) => void }): Promise<{ events: number; differences: Difference[] }> {
  const log = opts.log ?? (() => {});
  const differences: Difference[] = [];
  let events = 0;
  const threads: Counts = new Map(), forums: Counts = new Map(), users: Counts = new Map(), replies: Counts = new Map();

  const compare = (counter: Difference['counter'], field: Difference['field'], rows: Record<string, unknown>[], rebuilt: Counts, pick: 'approved' | 'pending') => {
    for (const r of rows) {
      const want = rebuilt.get(String(r.id))?.[pick] ?? 0;
      if (Number(r[field]) !== want) differences.push({ counter, id: String(r.id), field, live: Number(r[field]), rebuilt: want });
    }
  };
  const setAll = async (ex: Executor, table: string, field: string, rebuilt: Counts, pick: 'approved' | 'pending') => {
    const ids = [...rebuilt.keys()];
    await ex.query(`UPDATE ${table} SET ${field} = 0 WHERE ${field} <> 0 AND NOT (id = ANY($1::bigint[]))`, [ids]);
    await ex.query(`UPDATE ${table} t SET ${field} = d.n FROM unnest($1::bigint[], $2::int[]) AS d(id, n) WHERE t.id = d.id AND t.${field} <> d.n`,
      [ids, ids.map((k) => rebuilt.get(k)![pick])]);
  };

  for (const shard of db.shards()) {
    await db.tx({ area: 'content', shard }, async (ex) => {
      if (opts.apply) await ex.query('LOCK TABLE applied_events IN EXCLUSIVE MODE');
      const read = await latestPosts(ex, log);
      events += read.events;
      for (const p of read.posts.values()) {
        if (shardOfId(p.threadId) !== shard) continue;
        add(threads, p.threadId, p.status);
        add(forums, p.forumId, p.status);
        add(users, p.authorUserId, p.status);
        add(replies, p.parentId, p.status);
      }
      compare('thread', 'post_count', (await ex.query('SELECT id, post_count FROM threads')).rows, threads, 'approved');
      compare('thread', 'pending_count', (await ex.query('SELECT id, pending_count FROM threads')).rows, threads, 'pending');
      compare('replies', 'reply_count', (await ex.query('SELECT id, reply_count FROM posts')).rows, replies, 'approved');
      if (opts.apply) {
        await setAll(ex, 'threads', 'post_count', threads, 'approved');
        await setAll(ex, 'threads', 'pending_count', threads, 'pending');
        await setAll(ex, 'posts', 'reply_count', replies, 'approved');
        await ex.query(`INSERT INTO applied_events (handler, event_id) SELECT h, e.id FROM events e, unnest($1::text[]) AS h
          WHERE e.id <= $2 AND e.type = ANY($3::text[]) ON CONFLICT DO NOTHING`, [handlers, read.maxId, postTypes]);
      }
    });
  }
  await db.tx({ area: 'forums' }, async (ex) => {
    compare('forum', 'post_count', (await ex.query('SELECT id, post_count FROM forums')).rows, forums, 'approved');
    compare('forum', 'pending_count', (await ex.query('SELECT id, pending_count FROM forums')).rows, forums, 'pending');
    if (opts.apply) {
      await setAll(ex, 'forums', 'post_count', forums, 'approved');
      await setAll(ex, 'forums', 'pending_count', forums, 'pending');
    }
  });
  await db.tx({ area: 'accounts' }, async (ex) => {
    compare('user', 'post_count', (await ex.query('SELECT id, post_count FROM users')).rows, users, 'approved');
    if (opts.apply) await setAll(ex, 'users', 'post_count', users, 'approved');
  });
  return { events, differences };
}
