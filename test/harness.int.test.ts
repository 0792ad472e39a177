// Self-test of the harness: each test gets its own migrated database, isolated from the others,
// and a passing test's database is dropped on teardown.
import t from 'tap';
import { databaseExists, testDatabase } from './harness/db.ts';

const route = { area: 'content', mode: 'write' } as const;

t.test('a test database is migrated from the template', async (t) => {
  const { db } = await testDatabase(t);
  const { rows } = await db.exec<{ table_name: string }>(
    route,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  const tables = rows.map((r) => r.table_name);
  for (const table of ['users', 'sessions', 'forums', 'threads', 'posts', 'votes', 'events', 'schema_migrations']) {
    t.ok(tables.includes(table), `table ${table} exists`);
  }
  const migrations = await db.exec<{ name: string }>(route, 'SELECT name FROM schema_migrations');
  t.ok(migrations.rows.some((r) => r.name === '000001_init.sql'), 'migrations are recorded');
});

t.test('two test databases are isolated', async (t) => {
  const a = await testDatabase(t);
  const b = await testDatabase(t);
  t.not(a.url, b.url, 'different databases');
  await a.db.exec(route, `INSERT INTO forums (slug, name, moderator_key_hash) VALUES ('only-in-a', 'A', '\\x00')`);
  const inA = await a.db.exec(route, `SELECT 1 FROM forums WHERE slug = 'only-in-a'`);
  const inB = await b.db.exec(route, `SELECT 1 FROM forums WHERE slug = 'only-in-a'`);
  t.equal(inA.rowCount, 1, 'the row is in A');
  t.equal(inB.rowCount, 0, 'and not in B');
});

t.test('a passing test drops its database on teardown', async (t) => {
  let name = '';
  await t.test('inner', async (t) => {
    const { db } = await testDatabase(t);
    name = (await db.exec<{ name: string }>(route, 'SELECT current_database() AS name')).rows[0].name;
  });
  t.match(name, /^t_[0-9a-f]{12}$/, 'named t_<random>');
  t.notOk(await databaseExists(name), 'dropped after the inner test passed');
});
