// The constraint table names constraints (or unique indexes) of the migrated schema: a rename in a
// migration that the table doesn't follow fails here, not as a 500 in production.
import t from 'tap';
import { constraintErrors } from '@parley/data';
import { testDatabase } from '../../../test/harness/db.ts';

t.test('every constraint name in the table exists in the schema', async (t) => {
  const { db } = await testDatabase(t);
  const names = new Set<string>();
  // each area may be its own database once sharded: look in all of them
  for (const route of [{ area: 'accounts' }, { area: 'forums' }, { area: 'content', shard: 0 }] as const) {
    const { rows } = await db.exec(
      { ...route, mode: 'read' },
      `SELECT conname AS name FROM pg_constraint JOIN pg_namespace n ON n.oid = connamespace WHERE n.nspname = 'public'
       UNION SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`,
    );
    for (const r of rows) names.add(r.name as string);
  }
  for (const name of Object.keys(constraintErrors)) t.ok(names.has(name), name);
});
