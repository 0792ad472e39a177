// The page front: the public's cached thread pages answered before the framework (docs/adr/0010).
//
// A cache hit costs little: a lookup and the bytes. Through fastify it also paid for routing, a
// child logger, schema validation, five hooks and the route's own lookups, about half of what the
// process spent per hit. The front sits on the HTTP server's `request` event, ahead of fastify,
// and answers a request itself only when all of these hold, else hands it to fastify untouched:
//
// - GET, with no body, no Authorization (a moderator's view is never the public's), no Parley-Lsn
//   (a writer reading its own write goes through the read-your-writes rule) and no X-Parley-Voter;
// - its exact URL was answered before by the page route as the public's page: the route tells the
//   front the URL's page key (`learn`), so the front parses and validates nothing: the same URL
//   passed the route's validation and maps to the same key, whatever its spelling;
// - the page cache holds a copy of that key fresh within the staleness bound (`lookup`, `fresh`):
//   a stale or missing copy, and its lease, stay the route's business. The route starts from what
//   the front read (`known`), so the cache is read once per request either way;
// - the app is not closing, and request logging (LOG_LEVEL debug or trace) is off.
//
// Its answer is the route's: the same status (200, or 304 for a matching If-None-Match), the same
// headers (publicPageHeaders, and CORS from echoedOrigin, as the CORS hook sends them) and the same
// bytes. A test compares the two.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { pageContentType, type CachedPage, type KnownCopy, type PageCache } from '@parley/read';
import { CORS_EXPOSE_HEADERS, echoedOrigin } from './cors.ts';

/** What a public page's bytes and headers depend on besides its URL. */
export const PAGE_VARY = 'Origin, Authorization, Parley-Lsn';

/** Cache-Control of a public page: a CDN may keep it for the staleness bound, and serve it a minute longer while it revalidates. */
export const publicPageCacheControl = (staleMs: number): string =>
  `public, max-age=0, s-maxage=${Math.max(1, Math.ceil(staleMs / 1000))}, stale-while-revalidate=60`;

/** The headers of a public page, whoever sends it (the route or the front), besides CORS and the body's own. */
export const publicPageHeaders = (page: CachedPage, cacheControl: string): Record<string, string> => ({
  etag: page.etag,
  'cache-control': cacheControl,
  vary: PAGE_VARY,
});

/** If-None-Match holds this ETag (or `*`); weak and strong forms compare alike for a GET. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((v) => {
    const tag = v.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** How many URLs the front remembers (their page keys); the oldest learnt goes first. */
const MAX_URLS = 10_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface PageFrontOptions {
  pages: PageCache;
  /** Cache-Control of the public's pages (publicPageCacheControl) */
  cacheControl: string;
  /** false: every request goes to fastify (request logging on) */
  enabled: boolean;
}

export class PageFront {
  /** requests the front answered itself, for tests and the benchmark */
  served = 0;
  private readonly urls = new Map<string, string>();
  private readonly looked = new WeakMap<IncomingMessage, KnownCopy>();
  private closing = false;
  private readonly o: PageFrontOptions;

  constructor(o: PageFrontOptions) {
    this.o = o;
  }

  /** The page route answered `url` as the public's page of `key`. */
  learn(url: string, key: string): void {
    if (!this.o.enabled || this.urls.get(url) === key) return;
    this.urls.delete(url);
    if (this.urls.size >= MAX_URLS) this.urls.delete(this.urls.keys().next().value!);
    this.urls.set(url, key);
  }

  /** Stops answering: the app is closing, and fastify answers 503 from now on. */
  close(): void {
    this.closing = true;
  }

  /** Answers `req` from the cache, or passes it to `next` (fastify) as it came. */
  handle(req: IncomingMessage, res: ServerResponse, next: Handler): void {
    const key = this.closing ? undefined : this.keyOf(req);
    if (key === undefined) return next(req, res);
    let copy: ReturnType<PageCache['lookup']>;
    try {
      copy = this.o.pages.lookup(key);
    } catch {
      return next(req, res);
    }
    if (!(copy instanceof Promise)) return this.answer(req, res, next, key, copy);
    copy.then((page) => this.answer(req, res, next, key, page), () => next(req, res));
  }

  /**
   * The copy the cache holds for the request's URL, when the front looked and left the request
   * to the route (stale or missing): the route's page cache starts from it instead of asking the
   * cache again, so a request costs the cache one read either way.
   */
  known(req: IncomingMessage): KnownCopy | undefined {
    return this.looked.get(req);
  }

  private answer(req: IncomingMessage, res: ServerResponse, next: Handler, key: string, copy: CachedPage | undefined): void {
    const page = this.o.pages.fresh(copy);
    if (page && !this.closing) return this.send(req, res, page);
    this.looked.set(req, { key, copy });
    next(req, res);
  }

  private keyOf(req: IncomingMessage): string | undefined {
    if (req.method !== 'GET') return undefined;
    const h = req.headers;
    if (h.authorization !== undefined || h['parley-lsn'] !== undefined || h['x-parley-voter'] !== undefined) return undefined;
    if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return undefined;
    return req.url === undefined ? undefined : this.urls.get(req.url);
  }

  private send(req: IncomingMessage, res: ServerResponse, page: CachedPage): void {
    this.served++;
    const headers: Record<string, string | number> = {};
    const origin = echoedOrigin(req.headers.origin);
    if (origin !== undefined) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-expose-headers'] = CORS_EXPOSE_HEADERS;
    }
    Object.assign(headers, publicPageHeaders(page, this.o.cacheControl));
    if (matchesEtag(req.headers['if-none-match'], page.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-type'] = pageContentType;
    headers['content-length'] = page.body.length;
    res.writeHead(200, headers);
    res.end(page.body);
  }
}

/**
 * Puts the front ahead of fastify on the app's HTTP server (fastify's handler is the server's one
 * `request` listener) and closes it with the app.
 */
export function registerPageFront(app: FastifyInstance, o: PageFrontOptions): PageFront {
  const front = new PageFront(o);
  const handlers = app.server.listeners('request') as Handler[];
  if (o.enabled && handlers.length === 1) {
    const fastifyHandler = handlers[0];
    app.server.removeListener('request', fastifyHandler);
    app.server.on('request', (req: IncomingMessage, res: ServerResponse) => front.handle(req, res, fastifyHandler));
  }
  app.addHook('preClose', (done) => {
    front.close();
    done();
  });
  return front;
}
