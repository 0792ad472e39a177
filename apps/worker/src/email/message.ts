// Writes a reply email: subject, plain text and HTML. Names, titles and URLs are escaped here;
// the reply's HTML was sanitized when it was posted (packages/domain render.ts), so it goes in
// as is. A thread URL is linked only when it is http(s).
import type { ReplyEmailJob } from './job.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** One line: a header or a heading never carries a line break from user input. */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

const webUrl = (url: string | null): string | null => (url && /^https?:\/\/[^\s]+$/i.test(url) ? url : null);

export function renderReplyEmail(job: ReplyEmailJob, unsubscribeUrl: string): RenderedEmail {
  const who = oneLine(job.replier) || 'Someone';
  const title = job.thread.title ? oneLine(job.thread.title) : null;
  const url = webUrl(job.thread.url);
  const subject = title ? `${who} replied to your comment on "${title}"` : `${who} replied to your comment`;

  const quoted = job.text.split(/\r?\n/).map((l) => `> ${l}`.trimEnd()).join('\n');
  const text = [
    `Hi ${oneLine(job.toName)},`,
    '',
    `${who} replied to your comment${title ? ` on "${title}"` : ''}:`,
    '',
    quoted,
    '',
    ...(url ? [`Read the conversation: ${url}`, ''] : []),
    '--',
    'You get this email because you asked to be told about replies.',
    `Unsubscribe: ${unsubscribeUrl}`,
    '',
  ].join('\n');

  const titleHtml = title ? (url ? `<a href="${escapeHtml(url)}">${escapeHtml(title)}</a>` : escapeHtml(title)) : null;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.4">
<p>Hi ${escapeHtml(oneLine(job.toName))},</p>
<p><strong>${escapeHtml(who)}</strong> replied to your comment${titleHtml ? ` on ${titleHtml}` : ''}:</p>
<blockquote style="margin: 0 0 1em; padding-left: 1em; border-left: 3px solid #ccc">${job.html}</blockquote>
${url ? `<p><a href="${escapeHtml(url)}">Read the conversation</a></p>\n` : ''}<hr>
<p style="font-size: small; color: #666">You get this email because you asked to be told about replies.
<a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>
</body></html>
`;
  return { subject, text, html };
}
