// For command-line tools: the database Parley is configured for. DATABASE_URL when set; otherwise
// the embedded Postgres under PARLEY_DATA_DIR — the running one if `pnpm start` holds it, or
// started for the occasion (and stopped by `release`).
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Config } from '../../packages/data/src/index.ts';
import { readOrCreateSecret } from './secret-file.ts';

export async function configuredDatabase(config: Config, log: (line: string) => void): Promise<{ url: string; release(): Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, release: async () => {} };
  if (config.topology) throw new Error('configuredDatabase: a topology names several databases; open them with openDatabase(config)');
  const dataDir = resolve(config.dataDir);
  const password = await readOrCreateSecret(join(dataDir, 'pg-password'));
  const url = `postgres://postgres:${encodeURIComponent(password.value)}@127.0.0.1:${config.embeddedPgPort}/parley`;
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    await probe.end();
    return { url, release: async () => {} };
  } catch {
    await probe.end().catch(() => {});
  }
  const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
  const server = await startEmbeddedPostgres({ dir: join(dataDir, 'pg'), port: config.embeddedPgPort, password: password.value, log });
  await server.ensureDatabase('parley');
  return { url: server.url('parley'), release: () => server.stop() };
}
