// `pnpm migrate`: applies migrations/*.sql to DATABASE_URL, or to the embedded Postgres under
// PARLEY_DATA_DIR (started for the occasion, created if missing, stopped afterwards).
import { join, resolve } from 'node:path';
import { mkdir, chmod } from 'node:fs/promises';
import { createLogger, lineLogger, loadConfig, logConfig, migrate, topologyOf, topologyUrls } from '../packages/data/src/index.ts';
import { readOrCreateSecret } from './lib/secret-file.ts';

const config = loadConfig();
const logger = createLogger(config, 'migrate');
const log = lineLogger(logger);
logConfig(logger, config);
let stop = async () => {};
let code = 0;
try {
  // every primary of the topology, or DATABASE_URL, or the embedded database
  let urls = config.topology ? topologyUrls(topologyOf(config)).primaries : config.databaseUrl ? [config.databaseUrl] : [];
  if (urls.length === 0) {
    const dataDir = resolve(config.dataDir);
    await mkdir(dataDir, { recursive: true });
    await chmod(dataDir, 0o755);
    const { startEmbeddedPostgres } = await import('./lib/embedded-postgres.ts');
    const password = await readOrCreateSecret(join(dataDir, 'pg-password'));
    const pg = await startEmbeddedPostgres({ dir: join(dataDir, 'pg'), port: config.embeddedPgPort, password: password.value, log });
    stop = () => pg.stop();
    await pg.ensureDatabase('parley');
    urls = [pg.url('parley')];
  }
  for (const [i, url] of urls.entries()) {
    const applied = await migrate(url, log);
    const which = urls.length > 1 ? `database ${i + 1} of ${urls.length}: ` : '';
    log(`${which}${applied.length ? `${applied.length} migrations applied` : 'up to date'}`);
  }
} catch (err) {
  log(`failed: ${(err as Error).message}`);
  code = 1;
}
await stop();
process.exit(code);
