// Comment rendering: plain text with light markdown, turned into HTML by markdown-it (raw HTML
// off) and then sanitized with sanitize-html against a short allowlist. The sanitizer is the
// security boundary; the markdown options only decide what formatting people get.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true }).enable([
  'emphasis',
  'strikethrough',
  'backticks',
  'fence',
  'code',
  'blockquote',
  'list',
  'link',
  'linkify',
  'autolink',
  'newline',
  'escape',
  'entity',
]);
// markdown-it's own URL check already drops javascript:/vbscript:/data: links; the sanitizer repeats it.

const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href', 'rel', 'target'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener noreferrer', target: '_blank' }),
  },
};

export function renderMessage(message: string): string {
  return sanitizeHtml(md.render(message), sanitizeOptions).trim();
}

/** For places that need the text only (emails, SEO fragments). */
export function plainText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} });
}
