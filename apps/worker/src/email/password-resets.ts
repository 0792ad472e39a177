// The `password-resets` signal handler: the worker's half of POST /v1/password-resets. The API
// records each request as a PasswordResetRequested event (the address only) before answering;
// this handler claims the event and issues a reset link to each of Parley's own accounts at that
// address (account_tokens + AccountEmailRequested, packages/data account-email.ts) in one accounts
// transaction, so a retried batch issues nothing twice. An unknown address issues nothing. The
// links then travel like every account email (account-emails.ts).
import { claimEvents, issuePasswordResets, type LoggedEvent } from '@parley/data';
import type { PasswordResetRequested } from '@parley/domain';
import type { SignalHandler } from '../signals/registry.ts';

export const PASSWORD_RESETS = 'password-resets';

export const passwordResets: SignalHandler = {
  name: PASSWORD_RESETS,
  types: ['PasswordResetRequested'],
  async handle(events, ctx) {
    const requests = events as LoggedEvent<PasswordResetRequested>[];
    const ttlSeconds = ctx.config.passwordResetTtlMinutes * 60;
    await ctx.db.tx({ area: 'accounts' }, async (ex) => {
      const fresh = await claimEvents(ex, PASSWORD_RESETS, requests.map((e) => e.id));
      for (const e of requests) {
        if (fresh.has(e.id)) await issuePasswordResets(ex, e.event.snapshot.email, ttlSeconds);
      }
    });
  },
};
