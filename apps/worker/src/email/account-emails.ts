// The `account-emails` signal handler and the `parley.account-email` queue (the kinds and how to
// add one: packages/domain account-email.ts). The handler claims each AccountEmailRequested event
// and enqueues its job in one accounts transaction, so an event is enqueued once however often its
// batch runs. The queue claims the event's row in account_email_log, signs the link, sends outside
// any transaction and records the end: at most once, with the reply emails' crash policy (queue.ts).
import { accountSql, claimEvents, signAccountToken, type LoggedEvent } from '@parley/data';
import { accountEmailLinks, type AccountEmailRequested } from '@parley/domain';
import type { QueueDefinition, SignalContext, SignalHandler } from '../signals/registry.ts';
import type { AccountEmailJob } from './account-job.ts';
import { renderAccountEmail } from './account-templates.ts';
import { deliver, mailRetries, outcomeColumns, type Outcome } from './transport.ts';

export const ACCOUNT_EMAIL_QUEUE = 'parley.account-email';
export const ACCOUNT_EMAILS = 'account-emails';

export const accountEmailJob = (e: LoggedEvent<AccountEmailRequested>): AccountEmailJob => {
  const r = e.event.snapshot;
  return {
    v: 1,
    eventId: e.id,
    kind: r.kind,
    tokenId: r.tokenId,
    userId: r.userId,
    to: r.email,
    name: r.name,
    expiresAt: new Date(r.expiresAt).toISOString(),
    forumId: r.forumId,
    details: r.details ?? {},
  };
};

export const accountEmails: SignalHandler = {
  name: ACCOUNT_EMAILS,
  types: ['AccountEmailRequested'],
  async handle(events, ctx) {
    const jobs = (events as LoggedEvent<AccountEmailRequested>[]).map(accountEmailJob);
    await ctx.db.tx({ area: 'accounts' }, async (ex) => {
      const fresh = await claimEvents(ex, ACCOUNT_EMAILS, jobs.map((j) => j.eventId));
      const mine = jobs.filter((j) => fresh.has(j.eventId));
      if (mine.length === 0) return;
      // the claim and the jobs commit together or not at all
      await ctx.boss.insert(ACCOUNT_EMAIL_QUEUE, mine.map((data) => ({ data })), {
        db: { executeSql: (text: string, values?: unknown[]) => ex.query(text, values) },
      });
    });
  },
};

/** The link of a job's mail: the page of its kind, the signed token in the fragment (never sent to a server). */
export const accountEmailLink = (publicUrl: string, secret: string, job: Pick<AccountEmailJob, 'kind' | 'tokenId'>): string =>
  `${publicUrl.replace(/\/+$/, '')}${accountEmailLinks[job.kind]}#token=${signAccountToken(secret, job.kind, job.tokenId)}`;

async function sendOne(job: AccountEmailJob, ctx: SignalContext): Promise<Outcome | undefined> {
  const { config } = ctx;
  const unavailable = !config.smtpUrl ? 'no_smtp' : !config.secret ? 'no_secret' : null;
  const { rows } = await ctx.db.exec({ area: 'accounts', mode: 'write' }, accountSql.claimAccountEmail, [job.eventId, job.kind, job.tokenId, job.to, unavailable, job.userId]);
  if (rows[0]?.status !== 'sending') return undefined;
  const link = accountEmailLink(config.publicUrl, config.secret!, job);
  const message = renderAccountEmail(job, link);
  const host = new URL(config.publicUrl).hostname || 'parley';
  const outcome = await deliver(config, {
    to: job.to,
    ...message,
    messageId: `<account.${job.eventId}@${host}>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  await ctx.db.exec({ area: 'accounts', mode: 'write' }, accountSql.finishAccountEmail, [job.eventId, ...outcomeColumns(outcome)]);
  return outcome;
}

export const accountEmailQueue: QueueDefinition<AccountEmailJob> = {
  name: ACCOUNT_EMAIL_QUEUE,
  ...mailRetries,
  async handle(jobs, ctx) {
    const retry: string[] = [];
    for (const job of jobs) {
      if (job.data?.v !== 1) {
        ctx.log(`account email: job ${job.id} has no account email in it; dropped`);
        continue;
      }
      const outcome = await sendOne(job.data, ctx);
      // the kind and the event id only: never the address or the link
      if (outcome?.status === 'sent') ctx.log(`account email: ${job.data.kind} of event ${job.data.eventId} sent`);
      if (outcome?.status === 'failed') {
        // a server's refusal often quotes the recipient
        const reason = outcome.reason.replace(/[^\s<>"'@]+@[^\s<>"']+/g, '<address>');
        ctx.log(`account email: ${job.data.kind} of event ${job.data.eventId} failed${outcome.retryable ? ' (will retry)' : ''}: ${reason}`);
        if (outcome.retryable) retry.push(job.data.eventId);
      }
    }
    // the whole batch comes back; what was sent or decided is a no-op the second time
    if (retry.length) throw new Error(`account email: ${retry.length} send(s) failed and will be retried (events ${retry.join(', ')})`);
  },
};
