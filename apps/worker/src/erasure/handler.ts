// The `erasure` signal handler: an account deleted (UserErased) or a guest's confirmed request
// (GuestErasureRequested) runs its erasure job. The job is idempotent and keeps its progress in
// its row, so a batch that runs again (a crash, a retry) finishes the work instead of repeating it.
import type { GuestErasureRequested, UserErased } from '@parley/domain';
import type { SignalHandler } from '../signals/registry.ts';
import { runErasure } from './job.ts';

export const erasureHandler: SignalHandler = {
  name: 'erasure',
  types: ['UserErased', 'GuestErasureRequested'],
  async handle(events, ctx) {
    for (const e of events) await runErasure(ctx, (e.event as UserErased | GuestErasureRequested).snapshot.erasureId);
  },
};
