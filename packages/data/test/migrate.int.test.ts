// The migration runner: applies every numbered file once, in order; a second run is a no-op.
import { readdir } from 'node:fs/promises';
import pg from 'pg';
import t from 'tap';
import { migrate, migrationsDir } from '@parley/data';
import { createDatabase, dropDatabase } from '../../../test/harness/db.ts';

t.test('an empty database is migrated in order; a second run applies nothing and changes nothing', async (t) => {
  const { name, url } = await createDatabase({ empty: true });
  t.teardown(async () => {
    if (t.passing()) await dropDatabase(name);
  });
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{6}_[\w-]+\.sql$/.test(f)).sort();
  t.ok(files.length >= 4, `${files.length} migrations`);

  const lines: string[] = [];
  const first = await migrate(url, (l) => lines.push(l));
  t.same(first, files, 'every file applied, in order');
  t.same(lines, files.map((f) => `migrated ${f}`), 'one line per file');

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  const snapshot = async () =>
    (await client.query(`SELECT name, applied_at FROM schema_migrations ORDER BY name`)).rows.map((r) => `${r.name as string}@${(r.applied_at as Date).toISOString()}`);
  const before = await snapshot();
  const tables = async () => (await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n as number;
  const tablesBefore = await tables();

  const again = await migrate(url, (l) => lines.push(l));
  t.same(again, [], 'the second run applies nothing');
  t.equal(lines.length, files.length, 'and logs nothing');
  t.same(await snapshot(), before, 'schema_migrations unchanged');
  t.equal(await tables(), tablesBefore, 'no table added or dropped');
});

t.test('two runners at once: the advisory lock lets each file apply exactly once', async (t) => {
  const { name, url } = await createDatabase({ empty: true });
  t.teardown(async () => {
    if (t.passing()) await dropDatabase(name);
  });
  const [a, b] = await Promise.all([migrate(url), migrate(url)]);
  const files = (await readdir(migrationsDir)).filter((f) => /^\d{6}_[\w-]+\.sql$/.test(f)).sort();
  t.same([...a, ...b].sort(), files, 'between them, each file once');
});
