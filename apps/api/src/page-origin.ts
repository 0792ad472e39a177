// The Origin of a browser write as the forum's origin rule (allowedOrigins) sees it. The widget's
// session frame (/widget/session.html, routes/widget.ts) is served by this API and calls it from
// the API's own origin; only pages on the forum's listed origins may frame it (its CSP's
// frame-ancestors), and only Parley's own code runs there. So a request from the API's own origin
// (its Host, or the public URL when a proxy rewrites Host) is not a foreign page: no page origin.
import type { FastifyRequest } from 'fastify';

export function pageOrigin(req: FastifyRequest, publicUrl: string): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  try {
    const u = new URL(origin);
    if (u.host === req.headers.host || u.origin === new URL(publicUrl).origin) return undefined;
  } catch {
    // not a URL: left as it is, and refused by a forum that lists origins
  }
  return origin;
}
