// `pnpm start`: everything on one machine, in one process. Without DATABASE_URL it runs an
// embedded Postgres whose files live in <PARLEY_DATA_DIR>/pg and survive restarts. Phases:
// config → Postgres → database → migrations → admin token, secret → widget build → API + realtime +
// worker → demo forum. The API also serves the widget (/widget/*) and the demo pages (/, /demo/*).
// SIGINT/SIGTERM close everything in order: API (with realtime), worker, pools, Postgres. The
// embedded Postgres is supervised (restarted when it dies), dies with us when we are killed, and an
// orphan of an earlier run that was killed is stopped before ours starts (lib/postgres-lock.ts).
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger, lineLogger, loadConfig, logConfig, migrate, migrateTopology, openCache, openDatabase, topologyOf, type ByteCache, type Config, type Database } from '../packages/data/src/index.ts';
import { startApi } from '../apps/api/src/index.ts';
import { startWorker, type Worker } from '../apps/worker/src/index.ts';
import { attachRealtime, REALTIME_PATH, type Realtime } from '../apps/realtime/src/index.ts';
import type { EmbeddedPg } from './lib/embedded-postgres.ts';
import { readOrCreateSecret } from './lib/secret-file.ts';
import { ensureDemo, DEMO_PAGES_DIR, DEMO_SLUG, DEMO_THREAD, type Demo } from './lib/demo.ts';
import { BUDGET_BYTES, buildWidget } from '../apps/widget/build.ts';

// Log lines are JSON through the one logger (named `parley`), made again once the config is known
// (and again with the generated secrets, so they are masked too); the banner at the end is for people.
let logger = createLogger(loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL }), 'parley');
let log = lineLogger(logger);
const useConfig = (config: Config) => {
  logger = createLogger(config, 'parley');
  log = lineLogger(logger);
};

let embedded: EmbeddedPg | undefined;
let db: Database | undefined;
let api: Awaited<ReturnType<typeof startApi>> | undefined;
let realtime: Realtime | undefined;
let worker: Worker | undefined;
let cache: ByteCache | undefined;
let stopping = false;

async function main(): Promise<void> {
  const env = loadConfig();
  useConfig(env);
  logConfig(logger, env);
  const dataDir = resolve(env.dataDir);
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755); // as root, the postgres user must be able to enter it

  let databaseUrl = env.databaseUrl;
  if (env.topology) {
    log(`database: the topology in ${env.topology}`);
  } else if (databaseUrl) {
    log('database: DATABASE_URL (external Postgres)');
  } else {
    log(`database: embedded Postgres in ${join(dataDir, 'pg')} on 127.0.0.1:${env.embeddedPgPort}`);
    const { startEmbeddedPostgres } = await import('./lib/embedded-postgres.ts');
    const password = await readOrCreateSecret(join(dataDir, 'pg-password'));
    embedded = await startEmbeddedPostgres({
      dir: join(dataDir, 'pg'),
      port: env.embeddedPgPort,
      password: password.value,
      log: (line) => log(`postgres: ${line}`),
      // We own this Postgres: when it dies under us, start it again. The API answers 503
      // database_unavailable meanwhile and every pool reconnects by itself.
      supervise: {
        onGiveUp: (err) => {
          if (signalled) return;
          signalled = true;
          void shutdown(`Postgres keeps dying: ${err.message}`).then(() => process.exit(1));
        },
      },
    });
    if (await embedded.ensureDatabase('parley')) log('database: created database "parley"');
    databaseUrl = embedded.url('parley');
  }
  if (stopping) return;

  // every primary of the topology (and each content shard's id range), or the one database
  const applied = env.topology
    ? [...(await migrateTopology(topologyOf(env), (line) => log(`migrations: ${line}`))).values()].flat()
    : await migrate(databaseUrl!, (line) => log(`migrations: ${line}`));
  log(`migrations: ${applied.length ? `${applied.length} applied` : 'up to date'}`);

  let adminToken = env.adminToken;
  let tokenSource = 'PARLEY_ADMIN_TOKEN';
  if (!adminToken && embedded) {
    const file = join(dataDir, 'admin-token');
    const token = await readOrCreateSecret(file, () => `pat_${randomBytes(32).toString('hex')}`);
    adminToken = token.value;
    tokenSource = `${file}${token.created ? ', just generated' : ''}`;
  }
  // Unsubscribe links in reply emails are signed with PARLEY_SECRET; one machine keeps its own.
  const secret = env.secret ?? (await readOrCreateSecret(join(dataDir, 'secret'))).value;
  const config: Config = loadConfig(process.env, { ...(databaseUrl ? { databaseUrl } : {}), adminToken, secret });
  useConfig(config);
  if (stopping) return;

  const widgetDir = await buildWidgetInto(join(dataDir, 'widget'));
  if (stopping) return;

  db = openDatabase(config);
  // one cache tier for the API and the worker of this process: the worker's refills are what the
  // API serves (the in-process cache unless MEMCACHED_SERVERS is set)
  cache = openCache(config, log);
  log(`cache: ${cache.kind}`);
  log('worker: starting');
  worker = await startWorker({ config, db, cache, log });
  api = await startApi({ config, db, cache, widgetDir, demo: { dir: DEMO_PAGES_DIR } });
  log(`api: listening on ${api.url}`);
  realtime = attachRealtime(api.app.server, { config, db, log });
  await realtime.ready();
  log(`realtime: attached at ${REALTIME_PATH}`);
  if (stopping) return;

  let demo: Demo = {};
  if (adminToken) demo = await ensureDemo(api.url, adminToken, join(dataDir, 'demo.json'), log);
  else log('demo: skipped (no admin token: set PARLEY_ADMIN_TOKEN to enable admin routes)');

  const wsUrl = `${api.url.replace(/^http/, 'ws')}${REALTIME_PATH}`;
  log('ready');
  process.stdout.write(
    [
      '',
      `  Parley is running at ${api.url}`,
      `  demo:            open ${api.url}/ in two windows${widgetDir ? '' : ' (without the widget: its build failed, see above)'}`,
      `  realtime:        ${wsUrl}`,
      `  API docs:        ${api.url}/docs/json`,
      `  admin token:     ${env.adminToken ? '(from PARLEY_ADMIN_TOKEN)' : (adminToken ?? '(none)')}${env.adminToken ? '' : `  (${tokenSource})`}`,
      `  demo forum:      ${DEMO_SLUG}, thread "${DEMO_THREAD}"${demo.threadId ? ` (id ${demo.threadId})` : ''}`,
      `  moderator key:   ${demo.moderatorKey ?? '(not on file: the demo forum predates demo.json)'}`,
      '  Ctrl-C stops everything; data stays in the data directory.',
      '',
      '',
    ].join('\n'),
  );
}

/**
 * Builds the widget into the data directory (each instance its own copy, so a running server never
 * reads a file another build is rewriting). A failed build leaves the API running without
 * /widget/*, which then answers 404 widget_not_found.
 */
async function buildWidgetInto(outdir: string): Promise<string | undefined> {
  try {
    const built = await buildWidget(outdir);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const within = built.widgetGzip <= BUDGET_BYTES ? 'within' : 'OVER';
    log(`widget: built in ${outdir}: parley.js + parley.css ${kb(built.widgetGzip)} gzip (${within} the ${kb(BUDGET_BYTES)} budget), count.js ${kb(built.sizes['count.js'].gzip)} gzip`);
    return built.dir;
  } catch (err) {
    log(`widget: build failed, /widget/* will answer 404: ${(err as Error).message}`);
    return undefined;
  }
}

/** Closes whatever has started, API first (new requests end there), Postgres last. */
async function shutdown(reason: string): Promise<number> {
  stopping = true;
  log(`stopping (${reason})`);
  let code = 0;
  const step = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      log(`stopped ${name}`);
    } catch (err) {
      code = 1;
      log(`stopping ${name} failed: ${(err as Error).message}`);
    }
  };
  // Upgraded websockets keep the HTTP server from closing, so realtime closes alongside the API.
  const apiClosed = api ? step('api', () => api!.close()) : undefined;
  if (realtime) await step('realtime', () => realtime!.close());
  await apiClosed;
  if (worker) await step('worker', () => worker!.close());
  if (cache) await step('cache', () => cache!.close());
  if (db) await step('database pools', () => db!.close());
  if (embedded) await step('embedded Postgres', () => embedded!.stop());
  return code;
}

let signalled = false;
let signalledAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (signalled) {
      // Ctrl-C reaches us twice at once (from the terminal, and forwarded by npm/pnpm); only a
      // deliberate second Ctrl-C, later on, skips the orderly shutdown.
      if (Date.now() - signalledAt < 1000) return;
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    signalledAt = Date.now();
    void shutdown(signal).then((code) => process.exit(code));
  });
}

try {
  await main();
} catch (err) {
  log(`start failed: ${(err as Error).stack ?? err}`);
  if (!signalled) {
    signalled = true;
    await shutdown('start failed');
    process.exit(1);
  }
}
