// Forward-only migrations: numbered .sql files applied in order, each in its own transaction,
// under an advisory lock so concurrent starters never race.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { topologyUrls, type Topology } from './topology.ts';

export const migrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));
const LOCK_KEY = 7_310_417_301; // arbitrary, stable: "parley migrations"

export async function migrate(connectionString: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {}); // a server that goes away fails the query in flight; no unhandled event
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const files = (await readdir(migrationsDir)).filter((f) => /^\d{6}_[\w-]+\.sql$/.test(f)).sort();
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(join(migrationsDir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
      log(`migrated ${file}`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return applied;
}

/**
 * Migrates every primary of a topology (each database once), then gives each content shard's
 * database its shard's id range. Returns, per primary, the files it applied.
 */
export async function migrateTopology(topology: Topology, log: (line: string) => void = () => {}): Promise<Map<string, string[]>> {
  const applied = new Map<string, string[]>();
  for (const url of topologyUrls(topology).primaries) applied.set(url, await migrate(url, log));
  for (const [shard, nodes] of Object.entries(topology.content)) {
    const moved = await prepareShard(nodes.primary, Number(shard));
    if (moved.length) log(`content shard ${shard}: ids of ${moved.join(', ')} start at ${shard} × 2^48`);
  }
  return applied;
}

/** Tables whose ids are content ids: they carry their shard (docs/adr/0001). */
const SHARDED_ID_TABLES = ['threads', 'posts', 'events'] as const;

/**
 * Makes a content shard's database hand out its shard's ids: each sharded id sequence starts at
 * `shard * 2^48` (shard 0 keeps 1). Idempotent, and it never moves a sequence backwards: run it
 * after every migration of a content primary (`pnpm migrate`, `pnpm start` with a topology).
 * Returns the sequences it moved.
 */
export async function prepareShard(connectionString: string, shard: number): Promise<string[]> {
  if (!Number.isInteger(shard) || shard < 0 || shard >= 2 ** 15) throw new Error(`not a shard number: ${shard}`);
  if (shard === 0) return [];
  const floor = (BigInt(shard) << 48n).toString();
  const client = new pg.Client({ connectionString });
  client.on('error', () => {});
  await client.connect();
  const moved: string[] = [];
  try {
    for (const table of SHARDED_ID_TABLES) {
      const { rows: [{ seq }] } = await client.query<{ seq: string }>(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [table]);
      // `seq` is the name Postgres itself quoted; the next id is last_value (+1 once called)
      const { rows: [state] } = await client.query<{ next: string }>(`SELECT (CASE WHEN is_called THEN last_value + 1 ELSE last_value END)::text AS next FROM ${seq}`);
      if (BigInt(state.next) >= BigInt(floor)) continue;
      await client.query('SELECT setval($1::regclass, $2::bigint, false)', [seq, floor]);
      moved.push(table);
    }
  } finally {
    await client.end();
  }
  return moved;
}
