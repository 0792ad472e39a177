// The moderation console (apps/widget/src/console/README.md) at /moderate: a page on the API's own
// origin, so the moderator's credential is typed, kept (sessionStorage) and sent on this origin
// only. Its policy is strict: its own script and stylesheet files, no inline code, requests to this
// API and its realtime endpoint only, never framed (clickjacking a moderator's buttons), never sent
// on as a Referer. The page itself is constant; the script builds everything.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ParleyError } from '@parley/domain';
import { fileLoader, selfOnlyCsp, send } from './widget.ts';

export interface ConsoleOptions {
  /** the built widget's directory (the console is built with it: console.js, console.css) */
  widgetDir?: string;
}

/** The files the page loads, served from the widget's build. */
export const CONSOLE_FILES: Record<string, string> = {
  'console.js': 'application/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

export const consolePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>Parley moderation</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/moderate/console.css"></head>
<body><main id="console" data-state="loading"><noscript>The moderation console needs JavaScript.</noscript></main>
<script src="/moderate/console.js" defer></script></body></html>
`;

/** The console's policy: this origin only, and it frames nothing. */
export const consoleCsp = (host: string | undefined): string => selfOnlyCsp(host, { frames: false });

const pageHeaders = (req: FastifyRequest): Record<string, string> => ({
  'content-security-policy': consoleCsp(req.headers.host),
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
});

const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const load = opts.widgetDir ? fileLoader(opts.widgetDir) : undefined;

  app.get('/moderate', { schema: { hide: true } }, async (req, reply) => reply.headers(pageHeaders(req)).type('text/html; charset=utf-8').send(consolePage));

  for (const [name, type] of Object.entries(CONSOLE_FILES)) {
    app.get(`/moderate/${name}`, { schema: { hide: true } }, async (req, reply) => {
      const file = await load?.(name);
      if (!file) {
        if (load) req.log.warn({ file: name }, 'console file missing: rebuild the widget');
        throw new ParleyError('widget_not_found', { details: { file: name } });
      }
      return send(req, reply, file, type, { 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' });
    });
  }
};

export default consoleRoutes;
