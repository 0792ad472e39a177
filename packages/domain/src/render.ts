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
    // Only absolute http(s) and mailto links keep their href: a relative link would resolve against
    // whichever page embeds the widget.
    a: (tagName, attribs) => {
      const out: sanitizeHtml.Attributes = {};
      if (/^(https?:\/\/|mailto:)/i.test(attribs.href ?? '')) out.href = attribs.href;
      return { tagName, attribs: { ...out, rel: 'nofollow ugc noopener noreferrer', target: '_blank' } };
    },
  },
};

/** The security boundary, exported so its allowlist is tested on its own. */
export function sanitizeCommentHtml(html: string): string {
  return sanitizeHtml(html, sanitizeOptions).trim();
}

export function renderMessage(message: string): string {
  return sanitizeCommentHtml(md.render(message));
}
