// A fresh, migrated database per test: `CREATE DATABASE t_<random> TEMPLATE parley_template`, on
// the throwaway server that test/run.ts starts (it passes PARLEY_TEST_PG_URL and
// PARLEY_TEST_TEMPLATE). Cloning a template takes milliseconds, so tests never share state.
// On teardown the pools close and the database is dropped only if the test passed; a failing
// test leaves its database to inspect (PARLEY_TEST_KEEP_DATA=1 keeps the whole cluster).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, openDatabase, prepareShard, type Database } from '@parley/data';

export interface TestDatabase {
  /** connection string of this test's own database */
  url: string;
  db: Database;
}

/** The subset of a tap test this needs: the top-level `t` and every subtest fit. */
export type TapTest = Pick<Test, 'teardown' | 'passing' | 'comment'>;

function harnessEnv(): { adminUrl: string; template: string } {
  const adminUrl = process.env.PARLEY_TEST_PG_URL;
  const template = process.env.PARLEY_TEST_TEMPLATE;
  if (!adminUrl || !template) {
    throw new Error('PARLEY_TEST_PG_URL / PARLEY_TEST_TEMPLATE are unset: run tests through `pnpm test:only` (test/run.ts)');
  }
  return { adminUrl, template };
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: harnessEnv().adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database from the template (or `empty`: not migrated); the caller owns dropping it. */
export async function createDatabase(opts: { empty?: boolean } = {}): Promise<{ name: string; url: string }> {
  const { adminUrl, template } = harnessEnv();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const from = opts.empty ? 'template0' : template;
  await admin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(from)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropDatabase(name: string): Promise<void> {
  // FORCE ends sessions a test left open (a pool not closed, a worker still polling).
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
}

export async function databaseExists(name: string): Promise<boolean> {
  const found = await admin((c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  return found.rowCount === 1;
}

/**
 * The layout test databases take: `one` (the default) is one database for everything;
 * `split` (PARLEY_TEST_TOPOLOGY=split) is the scale-out shape of ADR 0008: accounts (with the
 * forums) on a database of their own, and two content shards, forums placed between them by the
 * stable rule. The API suite runs on both (`.ci/run`).
 */
export const testLayout = (): 'one' | 'split' => (process.env.PARLEY_TEST_TOPOLOGY === 'split' ? 'split' : 'one');

export async function testDatabase(t: TapTest, opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (testLayout() === 'split') return splitDatabase(t, opts);
  const { name, url } = await createDatabase();
  const db = openDatabase(loadConfig({}, { databaseUrl: url }), { poolSize: opts.poolSize ?? 5 });
  t.teardown(async () => {
    await db.close();
    if (t.passing()) await dropDatabase(name);
    else t.comment(`test failed: kept database ${name} (${url})`);
  });
  return { url, db };
}

/** Three databases cloned from the template: accounts, content 0 and content 1 (with its id range). `url` is content 0's. */
async function splitDatabase(t: TapTest, opts: { poolSize?: number }): Promise<TestDatabase> {
  const made = await Promise.all([createDatabase(), createDatabase(), createDatabase()]);
  const [accounts, c0, c1] = made;
  await prepareShard(c1.url, 1);
  const dir = await mkdtemp(join(tmpdir(), 'parley-split-'));
  const file = join(dir, 'topology.json');
  await writeFile(file, JSON.stringify({ accounts: { primary: accounts.url }, content: { '0': { primary: c0.url }, '1': { primary: c1.url } } }), { mode: 0o600 });
  const db = openDatabase(loadConfig({}, { topology: file }), { poolSize: opts.poolSize ?? 5 });
  t.teardown(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
    if (t.passing()) for (const d of made) await dropDatabase(d.name);
    else t.comment(`test failed: kept databases ${made.map((d) => d.name).join(', ')}`);
  });
  return { url: c0.url, db };
}
