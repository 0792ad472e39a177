// `pnpm migrate`: applies migrations/*.sql to every primary of PARLEY_TOPOLOGY (and gives each
// content shard its id range), to DATABASE_URL, or to the embedded Postgres under PARLEY_DATA_DIR
// (started for the occasion, created if missing, stopped afterwards).
import { join, resolve } from 'node:path';
import { mkdir, chmod } from 'node:fs/promises';
import { createLogger, lineLogger, loadConfig, logConfig, migrate, migrateTopology, topologyOf } from '../packages/data/src/index.ts';
import { readOrCreateSecret } from './lib/secret-file.ts';

const config = loadConfig();
const logger = createLogger(config, 'migrate');
const log = lineLogger(logger);
logConfig(logger, config);
let stop = async () => {};
let code = 0;
try {
  if (config.topology) {
    // every primary of the topology, then each content shard's id range
    const applied = await migrateTopology(topologyOf(config), log);
    let i = 0;
    for (const files of applied.values()) log(`database ${++i} of ${applied.size}: ${files.length ? `${files.length} migrations applied` : 'up to date'}`);
  } else {
    let url = config.databaseUrl;
    if (!url) {
      const dataDir = resolve(config.dataDir);
      await mkdir(dataDir, { recursive: true });
      await chmod(dataDir, 0o755);
      const { startEmbeddedPostgres } = await import('./lib/embedded-postgres.ts');
      const password = await readOrCreateSecret(join(dataDir, 'pg-password'));
      const pg = await startEmbeddedPostgres({ dir: join(dataDir, 'pg'), port: config.embeddedPgPort, password: password.value, log });
      stop = () => pg.stop();
      await pg.ensureDatabase('parley');
      url = pg.url('parley');
    }
    const applied = await migrate(url, log);
    log(applied.length ? `${applied.length} migrations applied` : 'up to date');
  }
} catch (err) {
  log(`failed: ${(err as Error).message}`);
  code = 1;
}
await stop();
process.exit(code);
