// The API as a fastify app. Order: validation and errors, then app services (CORS, rate limit, docs),
// then the routes, each a plugin whose TypeBox schemas (request and response) type its handlers
// and make the OpenAPI document. The server file only listens and closes.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { createLogger, openCache, type ByteCache, type Config, type Database, type Logger } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { clientErrorHandler, registerErrorHandling } from './errors.ts';
import { registerRateLimits } from './rate-limits.ts';
import { makeServices, type Services } from './services.ts';
import forumRoutes from './routes/forums.ts';
import threadRoutes from './routes/threads.ts';
import postRoutes from './routes/posts.ts';
import userRoutes from './routes/users.ts';
import unsubscribeRoutes from './routes/unsubscribe.ts';
import webhookRoutes from './routes/webhooks.ts';
import ssoRoutes from './routes/sso.ts';
import personalDataRoutes from './routes/personal-data.ts';
import oidcRoutes from './routes/oidc.ts';
import roleRoutes from './routes/roles.ts';
import userLinkRoutes from './routes/user-links.ts';
import widgetRoutes, { type WidgetOptions } from './routes/widget.ts';
import consoleRoutes from './routes/console.ts';
import backtestRoutes from './routes/backtest.ts';
import queueRoutes from './routes/queue.ts';
import banRoutes from './routes/bans.ts';
import flagRoutes from './routes/flags.ts';
import { registerCors } from './cors.ts';
import { registerTextGuard } from './text-guard.ts';
import { registerReadYourWrites } from './read-your-writes.ts';
import { strictIntegers } from './query-integers.ts';
import { publicPageCacheControl, registerPageFront, type PageFront } from './page-front.ts';
import { startPublisher, type Publisher, type PublisherOptions } from './publisher.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  /** the process's logger (createLogger); default one named `api` from the config */
  logger?: Logger;
  /** the realtime fast path (Redis or NOTIFY, by config); options are for tests */
  publisher?: PublisherOptions;
  /** the built widget's directory, served under /widget/; unset: those routes answer 404 */
  widgetDir?: WidgetOptions['widgetDir'];
  /** the demo pages at / and /demo/* (scripts/start.ts only) */
  demo?: WidgetOptions['demo'];
  /** the cache tier, when the caller shares one (scripts/start.ts with its worker); else opened from the config and closed with the app */
  cache?: ByteCache;
}

declare module 'fastify' {
  interface FastifyInstance {
    parley: Services;
    publisher: Publisher;
    pageFront: PageFront;
  }
}

// Bodies are checked as sent: no type coercion, no silently dropped fields. Query strings and
// path params arrive as text, so those coerce ("20" → 20).
// ajv-formats is CommonJS: its function is the module itself, typed as the module's `default`
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as unknown as <T extends Ajv>(ajv: T) => T;
// Formats (date-time) are checked too: without ajv-formats Ajv ignores them, and a malformed
// timestamp would reach the handler.
const bodyAjv = addFormats(new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false }));
const textAjv = addFormats(new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false, strict: false }));

function httpTimeouts(config: Config): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: config.httpHeadersTimeoutMs,
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(config.httpHeadersTimeoutMs / 10))),
  };
}

const requestLogging = (config: Config) => ['debug', 'trace'].includes(config.logLevel);

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db } = deps;
  const app = Fastify({
    loggerInstance: (deps.logger ?? createLogger(config, 'api')) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // one line per request is debug detail; errors and refusals are still logged
    logController: new LogController({ disableRequestLogging: !requestLogging(config) }),
    return503OnClosing: true,
    clientErrorHandler,
    // Slow clients: headers, the whole request and idle keep-alive each have a deadline (config).
    // Node checks those deadlines every connectionsCheckingInterval (30 s by default, which would
    // let a slow-header client hold a socket for up to 40 s); every tenth of the header timeout, at
    // most every second, keeps the bound within 10 % (and 1 s) of the setting.
    http: httpTimeouts(config),
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    // a stopping API finishes the requests it has begun and closes only idle keep-alive connections,
    // so a load balancer may safely retry what never reached it (scripts/lib/haproxy.ts)
    forceCloseConnections: 'idle',
    // errors fastify raises before routing (a URL that doesn't decode, say) get our error shape too
    frameworkErrors: (err, _req, reply) => {
      const body = new ParleyError('validation_failed', { message: `The request URL is not valid: ${err.message}` }).toJSON();
      (reply as unknown as FastifyReply).status(400).send(body);
    },
  });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === 'body') return bodyAjv.compile(schema);
    const validate = textAjv.compile(schema);
    return httpPart === 'querystring' ? strictIntegers(schema, validate) : validate;
  });
  registerErrorHandling(app);
  registerTextGuard(app);
  registerReadYourWrites(app);

  const cache = deps.cache ?? openCache(config, (line) => app.log.warn(line));
  if (!deps.cache) app.addHook('onClose', () => cache.close());
  const services = makeServices(config, db, cache);
  app.decorate('parley', services);
  // request logging (debug, trace) sees every request: the front then stays out of the way
  app.decorate('pageFront', registerPageFront(app, {
    pages: services.read.pageCache,
    cacheControl: publicPageCacheControl(config.cacheStaleMs),
    enabled: !requestLogging(config),
  }));
  const publisher = startPublisher(config, db, { log: (line) => app.log.warn(line), ...deps.publisher });
  app.decorate('publisher', publisher);
  app.addHook('onClose', () => publisher.close());
  registerDrain(app);

  // before the rate limits: a 429 carries the CORS headers, and preflights end there
  registerCors(app);
  await registerRateLimits(app, services);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: '1.0.0', description: 'Self-hosted comments: forums, threads, posts, votes, events.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // every primary this process depends on, each once; replicas are reported, never fatal (reads
  // fall back to the primary)
  app.get('/healthz', { schema: { hide: true } }, async () => {
    const checks = await Promise.all(db.primaries().map(async ({ alias, route }) => {
      try {
        await db.exec(route, 'SELECT 1');
        return [alias, 'ok'] as const;
      } catch (err) {
        if (err instanceof ParleyError && err.code === 'database_unavailable') return [alias, 'unavailable', err] as const;
        throw err;
      }
    }));
    const databases = Object.fromEntries(checks.map(([alias, state]) => [alias, state]));
    const down = checks.find((c) => c[1] === 'unavailable');
    if (down) throw new ParleyError('database_unavailable', { details: { databases }, internal: down[2] });
    const replicas = db.replicaStatus().map((r) => ({ alias: r.alias, state: r.state, lagMs: Number.isFinite(r.lagMs) ? r.lagMs : null }));
    return { ok: true, databases, ...(replicas.length ? { replicas } : {}) };
  });
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());

  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const plugin of [forumRoutes, threadRoutes, postRoutes, userRoutes, ssoRoutes, oidcRoutes, roleRoutes, userLinkRoutes, unsubscribeRoutes, webhookRoutes, personalDataRoutes]) await routes.register(plugin, { services });
  await routes.register(widgetRoutes, { widgetDir: deps.widgetDir, demo: deps.demo, forum: (slug) => services.forums.bySlug(slug) });
  await routes.register(backtestRoutes, { services });
  await routes.register(queueRoutes, { services });
  await routes.register(banRoutes, { services });
  await routes.register(flagRoutes, { services });
  await routes.register(consoleRoutes, { widgetDir: deps.widgetDir });
  return app;
}

/**
 * Closing drains keep-alive connections too. Node's server.close() ends the connections idle at that
 * moment; one busy with a request stays open after answering it until keepAliveTimeout (72 s),
 * unless the client (a load balancer's connection pool) hangs up first, and an orchestrator kills
 * the process before then. While closing, connections that fall idle are closed every 100 ms;
 * nothing is added to the request path.
 */
function registerDrain(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    if (!app.server.listening) return done();
    const drain = setInterval(() => app.server.closeIdleConnections(), 100);
    drain.unref();
    app.server.once('close', () => clearInterval(drain));
    done();
  });
}
