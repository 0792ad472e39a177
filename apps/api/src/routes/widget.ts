// The widget's files under /widget/ (parley.js, parley.css, count.js), its session frame
// (session.html, session.js, session.css: see session-frame.ts) and, for `npm start` only, the
// demo pages that embed it. Only fixed names are routed, so no request path ever reaches the
// file system. Files are read on first use and again only when their size or mtime changes (a
// rebuild while the server runs is picked up); ETags are content hashes.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError, type Forum } from '@parley/domain';
import { frameAncestors, sessionFrameCsp } from './session-frame.ts';

export interface WidgetOptions {
  /** where the built widget lives (apps/widget/build.ts's output); unset: /widget/* answer 404 */
  widgetDir?: string;
  /** the demo pages (apps/widget/demo); registered only by scripts/start.ts */
  demo?: { dir: string };
  /** a forum by its slug: the session frame may be framed only by the forum's allowed origins */
  forum?: (slug: string) => Promise<Forum | undefined>;
}

const JS = 'application/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/** what host pages on any origin load */
const ASSETS: Record<string, string> = { 'parley.js': JS, 'parley.css': CSS, 'count.js': JS };
/** what only the session frame (on this origin) loads */
const FRAME_ASSETS: Record<string, string> = { 'session.js': JS, 'session.css': CSS };

const DEMO_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: HTML },
  '/demo/second': { file: 'second.html', type: HTML },
  '/demo/demo.css': { file: 'demo.css', type: CSS },
};

export interface Loaded {
  body: Buffer;
  etag: string;
  mtimeMs: number;
  size: number;
}

/** Reads `dir/name` through a cache keyed by size and mtime; undefined when the file is missing. */
export function fileLoader(dir: string): (name: string) => Promise<Loaded | undefined> {
  const cache = new Map<string, Loaded>();
  return async (name) => {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    const hit = cache.get(name);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    const body = await readFile(path);
    const loaded = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`, mtimeMs: st.mtimeMs, size: st.size };
    cache.set(name, loaded);
    return loaded;
  };
}

/** If-None-Match holds `*` or our tag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

export function send(req: FastifyRequest, reply: FastifyReply, file: Loaded, type: string, headers: Record<string, string>): FastifyReply {
  reply.headers(headers).header('etag', file.etag).header('x-content-type-options', 'nosniff');
  if (etagMatches(req.headers['if-none-match'], file.etag)) return reply.status(304).send();
  return reply.type(type).send(file.body);
}

// A host name, IPv4 address or [IPv6] address, with an optional port: nothing that could end a
// CSP source or add a directive.
export const HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * A page of this origin only: its scripts, styles and images, its API and realtime websocket
 * (`host`, the request's Host: older browsers do not count ws: as 'self'), and `frames` when it
 * frames the session frame. Framed by nobody.
 */
export function selfOnlyCsp(host: string | undefined, opts: { frames: boolean }): string {
  const ws = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${ws}`,
    ...(opts.frames ? ["frame-src 'self'"] : []),
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The demo pages' policy: only this origin, for scripts, styles, the realtime websocket and the session frame. */
export const demoCsp = (host: string | undefined): string => selfOnlyCsp(host, { frames: true });

const widgetRoutes: FastifyPluginAsync<WidgetOptions> = async (app, opts) => {
  const widget = opts.widgetDir ? fileLoader(opts.widgetDir) : undefined;
  const missing = (req: FastifyRequest, name: string) => {
    if (widget) req.log.warn({ file: join(opts.widgetDir!, name) }, 'widget file missing: rebuild the widget');
    return new ParleyError('widget_not_found', { details: { file: name } });
  };
  for (const [name, type] of Object.entries(ASSETS)) {
    app.get(`/widget/${name}`, { schema: { hide: true } }, async (req, reply) => {
      const file = await widget?.(name);
      if (!file) throw missing(req, name);
      return send(req, reply, file, type, {
        'cache-control': 'public, max-age=300',
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
      });
    });
  }

  for (const [name, type] of Object.entries(FRAME_ASSETS)) {
    app.get(`/widget/${name}`, { schema: { hide: true } }, async (req, reply) => {
      const file = await widget?.(name);
      if (!file) throw missing(req, name);
      return send(req, reply, file, type, { 'cache-control': 'public, max-age=300', 'referrer-policy': 'no-referrer' });
    });
  }
  // The frame that holds the reader's session token (apps/widget/README.md, "Where the session
  // lives"): framed only by the page origin it was given, and only if the forum allows that origin.
  app.get<{ Querystring: { forum?: string; origin?: string } }>('/widget/session.html', { schema: { hide: true } }, async (req, reply) => {
    const { forum: slug, origin } = req.query;
    const forum = typeof slug === 'string' && slug.length <= 64 ? await opts.forum?.(slug) : undefined;
    if (!forum) throw new ParleyError('forum_not_found');
    const ancestors = frameAncestors(forum, origin);
    const file = await widget?.('session.html');
    if (!file) throw missing(req, 'session.html');
    const csp = sessionFrameCsp(ancestors);
    const etag = `"${createHash('sha256').update(file.etag + csp).digest('base64url').slice(0, 32)}"`;
    return send(req, reply, { ...file, etag }, HTML, {
      'content-security-policy': csp,
      // the CSP follows the forum's settings: revalidate every time (a 304 costs one small request)
      'cache-control': 'no-cache',
      'referrer-policy': 'no-referrer',
    });
  });

  if (!opts.demo) return;
  const demo = fileLoader(opts.demo.dir);
  for (const [path, { file: name, type }] of Object.entries(DEMO_FILES)) {
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      const file = await demo(name);
      if (!file) throw new Error(`demo file missing: ${join(opts.demo!.dir, name)}`);
      const headers: Record<string, string> = { 'cache-control': 'no-cache' };
      if (type === HTML) {
        headers['content-security-policy'] = demoCsp(req.headers.host);
        headers['referrer-policy'] = 'strict-origin-when-cross-origin';
      }
      return send(req, reply, file, type, headers);
    });
  }
};

export default widgetRoutes;
