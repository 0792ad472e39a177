// Reply emails: the `reply-emails` signal handler decides and enqueues, the `parley.email` queue
// sends. Connect both: `registry.connect(replyEmails).queue(emailQueue)`.
import type { SignalRegistry } from '../signals/registry.ts';
import { emailQueue } from './queue.ts';
import { replyEmails } from './reply-emails.ts';
import { accountEmailQueue, accountEmails } from './account-emails.ts';
import { passwordResets } from './password-resets.ts';

export { replyEmails, decideReplyEmail, EMAIL_QUEUE, REPLY_EMAILS } from './reply-emails.ts';
export { emailQueue, unsubscribeUrl } from './queue.ts';
export { renderReplyEmail } from './message.ts';
export type { ReplyEmailJob } from './job.ts';
export { accountEmails, accountEmailQueue, accountEmailLink, ACCOUNT_EMAIL_QUEUE, ACCOUNT_EMAILS } from './account-emails.ts';
export { renderAccountEmail, accountTemplates } from './account-templates.ts';
export type { AccountEmailJob } from './account-job.ts';
export { passwordResets, PASSWORD_RESETS } from './password-resets.ts';

export const connectReplyEmails = (registry: SignalRegistry): SignalRegistry => registry.connect(replyEmails).queue(emailQueue);

/**
 * Account emails (verification, password reset, ...): password-reset requests become links
 * (passwordResets), links become mails (accountEmails, then accountEmailQueue).
 */
export const connectAccountEmails = (registry: SignalRegistry): SignalRegistry =>
  registry.connect(passwordResets).connect(accountEmails).queue(accountEmailQueue);
