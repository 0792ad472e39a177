// Sending one message over SMTP (nodemailer), for the reply emails and the account emails alike,
// and what became of it: sent, or failed with whether a retry can be safe (queue.ts explains the
// crash policy).
import nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import type { Config } from '@parley/data';

// One transport per SMTP URL and process. Not pooled: each send is its own SMTP session, so
// nothing stays open between batches and shutdown has nothing to close.
const transports = new Map<string, Transporter>();
const transportFor = (url: string): Transporter => {
  let t = transports.get(url);
  if (!t) transports.set(url, (t = nodemailer.createTransport(url)));
  return t;
};

export type Outcome = { status: 'sent' } | { status: 'failed'; reason: string; retryable: boolean };

interface SmtpError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
}

/** Did the server refuse (nothing sent), or may the message have gone out? */
function classify(err: SmtpError): Outcome {
  const reason = `${err.code ?? 'error'}${err.responseCode ? ` ${err.responseCode}` : ''}: ${err.message}`.slice(0, 500);
  if (err.responseCode && err.responseCode >= 500) return { status: 'failed', reason, retryable: false };
  if (err.responseCode && err.responseCode >= 400) return { status: 'failed', reason, retryable: true };
  const beforeMessage = err.code === 'ECONNECTION' || err.code === 'EDNS' || err.command === 'CONN';
  return { status: 'failed', reason: beforeMessage ? reason : `ambiguous: ${reason}`, retryable: beforeMessage };
}

/** Sends one message from the configured sender (config.smtpUrl must be set). */
export async function deliver(config: Config, mail: Omit<SendMailOptions, 'from'>): Promise<Outcome> {
  try {
    await transportFor(config.smtpUrl!).sendMail({ from: config.emailFrom, ...mail });
    return { status: 'sent' };
  } catch (err) {
    return classify(err as SmtpError);
  }
}

/** An outcome as the email logs record it: status, reason, retryable. */
export const outcomeColumns = (o: Outcome): [string, string | null, boolean] =>
  o.status === 'sent' ? ['sent', null, false] : ['failed', o.reason, o.retryable];

/** How both mail queues retry a batch with a retryable failure: 8 times, from 30 s, doubling. */
export const mailRetries = { batchSize: 20, retryLimit: 8, retryDelay: 30, retryBackoff: true } as const;
