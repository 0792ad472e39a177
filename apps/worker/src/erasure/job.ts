// The erasure job (docs/adr/0011): after an account is deleted (or a guest confirmed their
// request), take the person's posts on every content shard and rewrite the snapshots of the log
// that carry them. Each post is one transaction: the conditional statement that takes it from its
// author (anonymized, or removed, as its forum's setting says), its event, and the rewrite of its
// older events' snapshots, locked. Then every forum and account event is scrubbed of the person's
// values. The job is idempotent and resumable: a post already taken no longer matches, a snapshot
// already clean is left alone, and the erasure row counts progress as it goes.
import { appendThreadEvent, decodeSnapshot, encodeSnapshot, personalDataSql as sql, postFromRow, type Database, type Executor } from '@parley/data';
import {
  ERASED_AUTHOR_NAME,
  makeEvent,
  removesContent,
  scrubSnapshot,
  type ErasureSubject,
  type PostAuthorErased,
  type PostDeleted,
} from '@parley/domain';
import type { SignalContext } from '../signals/registry.ts';

interface Erasure {
  id: string;
  subject: ErasureSubject;
  /** a guest's address (lower-cased); null for an account */
  email: string | null;
}

export interface ErasureOutcome {
  posts: number;
  snapshots: number;
}

/** Runs erasure `id` to the end; nothing when it is done already. */
export async function runErasure(ctx: Pick<SignalContext, 'db' | 'locator' | 'log'>, id: string): Promise<ErasureOutcome> {
  const { rows } = await ctx.db.exec({ area: 'accounts', mode: 'write' }, sql.selectErasure, [id]);
  const row = rows[0];
  if (!row || row.status === 'done') return { posts: 0, snapshots: 0 };
  const erasure: Erasure = {
    id,
    subject: { userId: row.user_id === null ? null : String(row.user_id), values: row.scrub as string[] },
    email: row.email as string | null,
  };
  const started = Date.now();
  const total: ErasureOutcome = { posts: 0, snapshots: 0 };
  const progress = async (step: ErasureOutcome, where: string) => {
    total.posts += step.posts;
    total.snapshots += step.snapshots;
    await ctx.db.exec({ area: 'accounts', mode: 'write' }, sql.addErasureProgress, [id, step.posts, step.snapshots]);
    const rate = Math.round(total.posts / Math.max(0.001, (Date.now() - started) / 1000));
    ctx.log(`erasure ${id}: ${where}: ${total.posts} posts, ${total.snapshots} snapshots rewritten (${rate} posts/s)`);
  };
  for (const shard of ctx.db.shards()) {
    await erasePosts(ctx, erasure, shard, progress);
    // the reports the person made: the flag counts stay (they happened), who made them goes
    if (erasure.subject.userId !== null) await ctx.db.exec({ area: 'content', shard, mode: 'write' }, sql.deleteReporterFlags, [`user:${erasure.subject.userId}`]);
  }
  for (const source of ctx.db.eventSources()) await scrubUnthreaded(ctx.db, erasure, source.route, progress);
  const done = await ctx.db.exec({ area: 'accounts', mode: 'write' }, sql.finishErasure, [id]);
  if (done.rows.length) ctx.log(`erasure ${id}: done: ${done.rows[0].posts_done} posts, ${done.rows[0].events_rewritten} snapshots rewritten`);
  return total;
}

/** The person's posts on one shard, a page at a time, each in its own transaction. */
async function erasePosts(
  ctx: Pick<SignalContext, 'db' | 'locator'>,
  erasure: Erasure,
  shard: number,
  progress: (step: ErasureOutcome, where: string) => Promise<void>,
): Promise<void> {
  const { db, locator } = ctx;
  for (;;) {
    const { rows } = await db.exec({ area: 'content', shard, mode: 'write' }, sql.selectPostsToErase, [erasure.subject.userId, erasure.email, sql.PAGE_SIZE]);
    if (rows.length === 0) return;
    const step: ErasureOutcome = { posts: 0, snapshots: 0 };
    for (const r of rows) {
      const postId = String(r.id);
      const forumId = String(r.forum_id);
      const forum = await locator.forums.byId(forumId);
      const remove = removesContent(forum?.settings.erasedAuthorPosts ?? 'anonymize');
      // a forum that moves meanwhile: the write waits for the switch and runs where the forum went
      const rewritten = await locator.write(
        (fresh) => locator.forumRoute(forumId, { fresh }),
        (route) => db.tx(route, (ex) => erasePost(ex, erasure, postId, remove)),
      );
      if (rewritten !== undefined) {
        step.posts++;
        step.snapshots += rewritten;
      }
    }
    // a page that took nothing would come back the same: stop rather than spin
    if (step.posts === 0) throw new Error(`erasure ${erasure.id}: no post of the page could be taken on shard ${shard}`);
    await progress(step, `content shard ${shard}`);
  }
}

/** One post: taken from its author, its event appended, its older snapshots rewritten. Undefined when it is no longer theirs. */
async function erasePost(ex: Executor, erasure: Erasure, postId: string, remove: boolean): Promise<number | undefined> {
  const { rows } = await ex.query(sql.erasePostAuthor, [postId, erasure.subject.userId, erasure.email, ERASED_AUTHOR_NAME, remove]);
  if (rows.length === 0) return undefined;
  const post = postFromRow(rows[0]);
  const event = remove ? makeEvent<PostDeleted>('PostDeleted', post) : makeEvent<PostAuthorErased>('PostAuthorErased', post);
  const logged = await appendThreadEvent(ex, { threadId: post.threadId, actor: `erasure:${erasure.id}`, postId, event });
  const older = await ex.query(sql.lockPostEvents, [postId, logged.id]);
  const scrub = { postsOfSubject: new Set([postId]), removeContent: remove };
  return rewrite(ex, older.rows, erasure.subject, scrub);
}

/** Forum and account events of one database, page by page, each page locked while it is rewritten. */
async function scrubUnthreaded(
  db: Database,
  erasure: Erasure,
  route: Parameters<Database['tx']>[0],
  progress: (step: ErasureOutcome, where: string) => Promise<void>,
): Promise<void> {
  let after = '0';
  for (;;) {
    const page = await db.tx(route, async (ex) => {
      const { rows } = await ex.query(sql.selectUnthreadedEvents, [after, sql.PAGE_SIZE]);
      return { count: rows.length, last: rows.at(-1)?.id as string | undefined, rewritten: await rewrite(ex, rows, erasure.subject, {}) };
    });
    if (page.rewritten > 0) await progress({ posts: 0, snapshots: page.rewritten }, `${route.area} events`);
    if (page.count < sql.PAGE_SIZE || page.last === undefined) return;
    after = String(page.last);
  }
}

/** Scrubs each row's snapshot; writes back only those that changed. Returns how many. */
async function rewrite(
  ex: Executor,
  rows: Record<string, unknown>[],
  subject: ErasureSubject,
  opts: Parameters<typeof scrubSnapshot>[2],
): Promise<number> {
  const ids: string[] = [];
  const snapshots: Buffer[] = [];
  for (const r of rows) {
    const before = decodeSnapshot(r.snapshot as Uint8Array);
    const after = scrubSnapshot(before, subject, opts);
    if (after === before) continue;
    ids.push(String(r.id));
    snapshots.push(encodeSnapshot(after));
  }
  if (ids.length) await ex.query(sql.rewriteSnapshots, [ids, snapshots]);
  return ids.length;
}
