// The session frame's headers (apps/widget/README.md, "Where the session lives"). The frame holds
// the reader's token on the API's origin; its policy lets it run only its own files, talk only to
// this API, and be framed only by the one page origin the widget named, which the forum must allow
// (allowedOrigins; an empty list allows any). So the frame may trust that origin: it is its
// parent's, and the only one it answers.
import { checkOrigin } from '@parley/access';
import { ParleyError, type Forum } from '@parley/domain';

/** The frame-ancestors source: the page origin the widget gave, if the forum takes it. */
export function frameAncestors(forum: Forum, origin: unknown): string {
  let ok = false;
  if (typeof origin === 'string' && origin.length <= 300) {
    try {
      const u = new URL(origin);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === origin;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new ParleyError('invalid_field', { message: 'origin must be the embedding page\'s origin, like https://example.com.', details: { field: 'origin' } });
  checkOrigin(forum, origin as string);
  return origin as string;
}

export function sessionFrameCsp(ancestor: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    // avatars: the site's own (SSO) or any the user gave
    'img-src https: http: data:',
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestor}`,
  ].join('; ');
}
