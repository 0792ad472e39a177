// Topologies for tests: a topology file in a temp directory (removed on teardown), and fresh
// databases on the run's server to stand as its primaries (dropped when the test passed).
import pg from 'pg';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, migrateTopology, openDatabase, topologyOf } from '@parley/data';
import { ADMIN_TOKEN, type TestApi } from './app.ts';
import { createDatabase, dropDatabase, type TapTest } from './db.ts';

/** Writes a topology (as JSON, mode 0600: it holds passwords) and returns its path. */
export async function topologyFile(t: Pick<TapTest, 'teardown'>, topology: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-topology-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'topology.json');
  await writeFile(file, JSON.stringify(topology), { mode: 0o600 });
  return file;
}

/** `n` databases of the test's own: cloned from the migrated template, or `empty` (for migrateTopology). */
export async function databases(t: TapTest, n: number, opts: { empty?: boolean } = {}): Promise<{ name: string; url: string }[]> {
  const made = await Promise.all(Array.from({ length: n }, () => createDatabase(opts)));
  t.teardown(async () => {
    if (t.passing()) for (const d of made) await dropDatabase(d.name);
  });
  return made;
}

/**
 * A split topology of three fresh databases, migrated: accounts (with forums), content shard 0
 * and content shard 1, opened as one Database (closed on teardown). `sql` runs a statement on one
 * database by url, on a connection of its own.
 */
export async function twoShards(t: TapTest) {
  const [acc, c0, c1] = await databases(t, 3, { empty: true });
  const file = await topologyFile(t, { accounts: { primary: acc.url }, content: { '0': { primary: c0.url }, '1': { primary: c1.url } } });
  const config = loadConfig({}, { topology: file });
  await migrateTopology(topologyOf(config));
  const db = openDatabase(config, { poolSize: 8 });
  t.teardown(() => db.close());
  const sql = async (url: string, text: string, values: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(text, values)).rows;
    } finally {
      await c.end();
    }
  };
  return { db, file, acc, c0, c1, sql };
}

/** A forum pinned to a content shard (the admin's `shard`), through the API. */
export async function forumOnShard(api: TestApi, slug: string, shard: number): Promise<{ forum: { id: string; slug: string }; moderatorKey: string }> {
  const r = await api.req('POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug, name: slug, shard } });
  if (r.status !== 201) throw new Error(`forum: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
