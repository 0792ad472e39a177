// The retroactive ban job: hide the banned author's existing comments in the ban's forum (or in
// every forum, for an instance ban). Each post is one transaction on its shard: the conditional
// statement (the `spam` transition for a ban, `shadow` for a shadow ban, so a post already hidden
// or deleted no longer matches) and its own event, with the reason `retroactive_ban` added to the
// post's reasons. Progress goes to the ban's row page by page (GET .../bans/:id shows it). The job
// is idempotent and resumable: a retry walks again and finds only what is left. A ban lifted
// before the job ran hides nothing.
import { appendThreadEvent, banSql, postFromRow, type Executor } from '@parley/data';
import { makeEvent, transitions, type BanRecord, type PostMarkedSpam, type PostShadowed, type Reason } from '@parley/domain';
import type { SignalContext } from '../signals/registry.ts';

const PAGE_SIZE = 200;

export interface BanRetroOutcome {
  hidden: number;
  found: number;
}

/** Runs ban `banId`'s retroactive step to the end; nothing when it is done already (or not retroactive). */
export async function runBanRetro(ctx: Pick<SignalContext, 'db' | 'locator' | 'log'>, banId: string): Promise<BanRetroOutcome> {
  const total: BanRetroOutcome = { hidden: 0, found: 0 };
  const started = await ctx.db.exec({ area: 'forums', mode: 'write' }, banSql.startRetro, [banId]);
  if (started.rows.length === 0) return total;
  const ban = banSql.banFromRow(started.rows[0]);
  const net = (await ctx.db.exec({ area: 'forums', mode: 'write' }, banSql.selectBanById, [banId])).rows[0]?.net as string | null;
  if (ban.liftedAt === null) {
    const shards = ban.forumId === null ? ctx.db.shards() : [(await ctx.locator.forumRoute(ban.forumId, { fresh: true })).shard];
    for (const shard of shards) await hideOnShard(ctx, ban, net, shard, total);
  }
  await ctx.db.exec({ area: 'forums', mode: 'write' }, banSql.finishRetro, [banId]);
  ctx.log(`ban ${banId}: retroactive step done: ${total.hidden} of ${total.found} comments hidden`);
  return total;
}

async function hideOnShard(ctx: Pick<SignalContext, 'db' | 'locator' | 'log'>, ban: BanRecord, net: string | null, shard: number, total: BanRetroOutcome): Promise<void> {
  const { db, locator } = ctx;
  const t = ban.mode === 'shadow' ? transitions.shadow : transitions.spam;
  const reason: Reason = { phase: 'bans', code: 'retroactive_ban', detail: ban.reason };
  const who = [ban.kind === 'user' ? ban.value : null, ban.kind === 'email' ? ban.value : null, ban.kind === 'ip' || ban.kind === 'range' ? net : null];
  let after = '0';
  for (;;) {
    const { rows } = await db.exec({ area: 'content', shard, mode: 'write' }, banSql.selectBannedPosts, [ban.forumId, ...who, t.from, after, PAGE_SIZE]);
    if (rows.length === 0) return;
    let hidden = 0;
    for (const r of rows) {
      const postId = String(r.id);
      const forumId = String(r.forum_id);
      // a forum that moves meanwhile: the write waits for the switch and runs where the forum went
      const done = await locator.write(
        (fresh) => locator.forumRoute(forumId, { fresh }),
        (route) => db.tx(route, (ex) => hidePost(ex, ban, postId, t, reason)),
      );
      if (done) hidden++;
    }
    total.hidden += hidden;
    total.found += rows.length;
    await db.exec({ area: 'forums', mode: 'write' }, banSql.addRetroProgress, [ban.id, hidden, rows.length]);
    ctx.log(`ban ${ban.id}: shard ${shard}: ${total.hidden} comments hidden so far`);
    after = String(rows[rows.length - 1].id);
  }
}

async function hidePost(ex: Executor, ban: BanRecord, postId: string, t: (typeof transitions)['spam'], reason: Reason): Promise<boolean> {
  const { rows } = await ex.query(banSql.hidePostForBan, [postId, t.to, t.from, JSON.stringify([reason])]);
  if (rows.length === 0) return false; // changed meanwhile: no longer the job's to hide
  const post = postFromRow(rows[0]);
  const event = ban.mode === 'shadow' ? makeEvent<PostShadowed>('PostShadowed', post) : makeEvent<PostMarkedSpam>('PostMarkedSpam', post);
  await appendThreadEvent(ex, { threadId: post.threadId, actor: `ban:${ban.id}`, postId, event });
  return true;
}
