// The `ban-retro` signal handler and the `parley.ban-retro` queue. A retroactive ban's BanCreated
// event becomes one job, enqueued in the transaction that claims the event (so once, however often
// the batch runs): the 201 that answered the ban is enough for its author's existing comments to
// be hidden, even when the API stops right after. The job runs on its own queue, so a prolific
// author holds back no other signal; it is idempotent and keeps its progress in the ban's row.
import { claimEvents } from '@parley/data';
import type { BanCreated } from '@parley/domain';
import type { QueueDefinition, SignalHandler } from '../signals/registry.ts';
import { runBanRetro } from './job.ts';

export const BAN_RETRO_QUEUE = 'parley.ban-retro';
export const BAN_RETRO = 'ban-retro';

export interface BanRetroJob {
  banId: string;
}

export const banRetroHandler: SignalHandler = {
  name: BAN_RETRO,
  types: ['BanCreated'],
  async handle(events, ctx) {
    const jobs = events
      .filter((e) => (e.event as BanCreated).snapshot.retroactive)
      .map((e) => ({ eventId: e.id, banId: (e.event as BanCreated).snapshot.id }));
    if (jobs.length === 0) return;
    // ban events are forum events: the forums database's log, claimed and enqueued there
    await ctx.db.tx({ area: 'forums' }, async (ex) => {
      const fresh = await claimEvents(ex, BAN_RETRO, jobs.map((j) => j.eventId));
      const mine = jobs.filter((j) => fresh.has(j.eventId));
      if (mine.length === 0) return;
      await ctx.boss.insert(BAN_RETRO_QUEUE, mine.map((j) => ({ data: { banId: j.banId } satisfies BanRetroJob })), {
        db: { executeSql: (text: string, values?: unknown[]) => ex.query(text, values) },
      });
    });
  },
};

export const banRetroQueue: QueueDefinition<BanRetroJob> = {
  name: BAN_RETRO_QUEUE,
  batchSize: 1,
  retryLimit: 10,
  retryDelay: 30,
  retryBackoff: true,
  async handle(jobs, ctx) {
    for (const job of jobs) await runBanRetro(ctx, job.data.banId);
  },
};
