// The `erasure` signal handler and the `parley.erasure` queue. An account deleted (UserErased)
// or a guest's confirmed request (GuestErasureRequested) becomes one job, enqueued in the
// transaction that claims the event (so once, however often the batch runs), and the job runs the
// erasure on its own queue: a big one holds back no other signal. The job is idempotent and keeps
// its progress in its row, so a retry finishes the work instead of repeating it.
import { claimEvents } from '@parley/data';
import type { GuestErasureRequested, UserErased } from '@parley/domain';
import type { QueueDefinition, SignalHandler } from '../signals/registry.ts';
import { runErasure } from './job.ts';

export const ERASURE_QUEUE = 'parley.erasure';
export const ERASURE = 'erasure';

export interface ErasureJob {
  erasureId: string;
}

export const erasureHandler: SignalHandler = {
  name: ERASURE,
  types: ['UserErased', 'GuestErasureRequested'],
  async handle(events, ctx) {
    const jobs = events.map((e) => ({ eventId: e.id, erasureId: (e.event as UserErased | GuestErasureRequested).snapshot.erasureId }));
    await ctx.db.tx({ area: 'accounts' }, async (ex) => {
      const fresh = await claimEvents(ex, ERASURE, jobs.map((j) => j.eventId));
      const mine = jobs.filter((j) => fresh.has(j.eventId));
      if (mine.length === 0) return;
      // the claim and the jobs commit together or not at all
      await ctx.boss.insert(ERASURE_QUEUE, mine.map((j) => ({ data: { erasureId: j.erasureId } satisfies ErasureJob })), {
        db: { executeSql: (text: string, values?: unknown[]) => ex.query(text, values) },
      });
    });
  },
};

export const erasureQueue: QueueDefinition<ErasureJob> = {
  name: ERASURE_QUEUE,
  batchSize: 1,
  retryLimit: 10,
  retryDelay: 30,
  retryBackoff: true,
  async handle(jobs, ctx) {
    for (const job of jobs) await runErasure(ctx, job.data.erasureId);
  },
};
