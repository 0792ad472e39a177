// What each kind of account email says (the kinds: packages/domain account-email.ts). A template
// gives the subject, the paragraphs before the link, the link's label and a closing line; the
// rendering (plain text and HTML, escaping, the link) is shared. Adding a kind to the domain makes
// the compiler ask for its template here.
import type { AccountEmailKind } from '@parley/domain';
import type { AccountEmailJob } from './account-job.ts';
import type { RenderedEmail } from './message.ts';

export interface AccountTemplate {
  subject: string;
  paragraphs: string[];
  action: string;
  closing: string;
}

/** "in 1 hour", "in 48 hours", "in 30 minutes": how long the link lasts, from when it was made */
export const validFor = (job: AccountEmailJob, now: Date): string => {
  const minutes = Math.max(1, Math.round((Date.parse(job.expiresAt) - now.getTime()) / 60_000));
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return `${hours} hour${hours === 1 ? '' : 's'}`;
};

export const accountTemplates: { [K in AccountEmailKind]: (job: AccountEmailJob, now: Date) => AccountTemplate } = {
  verify_email: (job, now) => ({
    subject: 'Verify your email address',
    paragraphs: [`Hi ${job.name},`, 'Please confirm that this is your email address by opening the link below.'],
    action: 'Verify my email address',
    closing: `The link works once, for ${validFor(job, now)}. If you did not sign up, ignore this email.`,
  }),
  password_reset: (job, now) => ({
    subject: 'Reset your password',
    paragraphs: [`Hi ${job.name},`, `Someone (we hope you) asked to reset the password of the account "${job.name}". Open the link below to choose a new one; every session of the account will end.`],
    action: 'Choose a new password',
    closing: `The link works once, for ${validFor(job, now)}. If you did not ask for this, ignore this email: your password stays as it is.`,
  }),
  // details: forum (its name) and role, from the invite (apps/api commands/invites.ts)
  forum_invite: (job, now) => ({
    subject: `You are invited to ${job.details.role === 'owner' ? 'own' : 'moderate'} ${job.details.forum ?? 'a forum'}`,
    paragraphs: [
      'Hello,',
      `You are invited to be ${job.details.role === 'owner' ? 'an owner' : 'a moderator'} of the comments of "${job.details.forum ?? 'a forum'}". Open the link below and sign in with your Parley account to accept.`,
    ],
    action: 'Accept the invitation',
    closing: `The link works once, for ${validFor(job, now)}, for whoever signs in with it: do not forward it. If you did not expect this, ignore this email.`,
  }),
  guest_export: (job, now) => ({
    subject: 'Your comments, as a file',
    paragraphs: [`Hi ${job.name},`, 'Someone (we hope you) asked for a copy of the comments left with this email address. Open the link below to download them.'],
    action: 'Download my comments',
    closing: `The link works once, for ${validFor(job, now)}. If you did not ask for this, ignore this email: nothing is sent anywhere else.`,
  }),
  guest_erasure: (job, now) => ({
    subject: 'Erase your comments',
    paragraphs: [`Hi ${job.name},`, 'Someone (we hope you) asked to erase the comments left with this email address: their name and address go, or the comments are removed, as each site decides. Open the link below to confirm; nothing happens until you do.'],
    action: 'Erase my comments',
    closing: `The link works once, for ${validFor(job, now)}. If you did not ask for this, ignore this email: your comments stay as they are.`,
  }),
};

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** One line: a header or a greeting never carries a line break from user input. */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export function renderAccountEmail(job: AccountEmailJob, link: string, now = new Date()): RenderedEmail {
  const t = accountTemplates[job.kind]({ ...job, name: oneLine(job.name) }, now);
  const text = [...t.paragraphs.flatMap((p) => [p, '']), `${t.action}: ${link}`, '', t.closing, ''].join('\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(t.subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.4">
${t.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p><a href="${escapeHtml(link)}">${escapeHtml(t.action)}</a></p>
<p style="font-size: small; color: #666">${escapeHtml(t.closing)}</p>
</body></html>
`;
  return { subject: oneLine(t.subject), text, html };
}
