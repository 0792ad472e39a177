// The `parley.email` queue: sends reply emails over SMTP (nodemailer), at most once per event
// and recipient. For each job: claim a row in email_log (one transaction on the accounts primary,
// which also applies opt-outs and the hourly cap), send outside any transaction, record the end.
//
// Crash policy: a row left in `sending` means a worker died between claiming and recording, and
// the message may or may not have gone out. A retry leaves such a row alone: we would rather
// lose an email than send it twice. Failures where the server answered (4xx) or the connection
// never opened did not send anything: the row becomes `failed, retryable` and the batch throws,
// so pg-boss retries it with backoff; a 5xx is final; a failure mid-transfer without an answer
// is ambiguous and treated like a crash (failed, not retried).
import { emailSql, normalizeEmail, signUnsubscribe, type Config } from '@parley/data';
import type { QueueDefinition, SignalContext } from '../signals/registry.ts';
import { EMAIL_QUEUE } from './reply-emails.ts';
import type { ReplyEmailJob } from './job.ts';
import { renderReplyEmail } from './message.ts';
import { deliver, mailRetries, outcomeColumns, type Outcome } from './transport.ts';

export const unsubscribeUrl = (config: Config, email: string): string =>
  `${config.publicUrl.replace(/\/+$/, '')}/v1/unsubscribe?token=${encodeURIComponent(signUnsubscribe(config.secret!, { email }))}`;

async function sendOne(job: ReplyEmailJob, ctx: SignalContext): Promise<Outcome | undefined> {
  const { config } = ctx;
  const recipient = normalizeEmail(job.to);
  const unavailable = !config.smtpUrl ? 'no_smtp' : !config.secret ? 'no_secret' : null;
  const claim = await ctx.db.tx({ area: 'accounts' }, (ex) =>
    emailSql.claimEmail(ex, { eventId: job.eventId, postId: job.replyId, recipient, perHour: config.emailPerHour, unavailable }),
  );
  if (!claim.send) {
    if (claim.status === 'sending') ctx.log(`email: event ${job.eventId}: a send to this recipient was interrupted earlier; not sending again`);
    return undefined;
  }
  const message = renderReplyEmail(job, unsubscribeUrl(config, recipient));
  const host = new URL(config.publicUrl).hostname || 'parley';
  const outcome = await deliver(config, {
    to: job.to,
    ...message,
    // the same id on any resend, so a mail system can deduplicate too
    messageId: `<reply.${job.eventId}.${job.replyId}@${host}>`,
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl(config, recipient)}>`, 'Auto-Submitted': 'auto-generated' },
  });
  await ctx.db.exec({ area: 'accounts', mode: 'write' }, emailSql.finishEmail, [job.eventId, recipient, ...outcomeColumns(outcome)]);
  return outcome;
}

export const emailQueue: QueueDefinition<ReplyEmailJob> = {
  name: EMAIL_QUEUE,
  ...mailRetries,
  async handle(jobs, ctx) {
    const retry: string[] = [];
    for (const job of jobs) {
      if (job.data?.v !== 1) {
        ctx.log(`email: job ${job.id} has no reply email in it; dropped`);
        continue;
      }
      const outcome = await sendOne(job.data, ctx);
      if (outcome?.status === 'failed') {
        ctx.log(`email: event ${job.data.eventId} failed${outcome.retryable ? ' (will retry)' : ''}: ${outcome.reason}`);
        if (outcome.retryable) retry.push(job.data.eventId);
      }
    }
    // The whole batch comes back; what was sent or decided is a no-op the second time.
    if (retry.length) throw new Error(`email: ${retry.length} send(s) failed and will be retried (events ${retry.join(', ')})`);
  },
};
