// Topologies for tests: a topology file in a temp directory (removed on teardown), and fresh
// databases on the run's server to stand as its primaries (dropped when the test passed).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
