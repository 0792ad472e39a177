import t from 'tap';
import { loadConfig } from '@parley/data';
import { testDatabase } from '../../../test/harness/db.ts';
import { startWorker } from '../src/index.ts';

t.test('the worker starts pg-boss, reports healthy, and stops gracefully', async (t) => {
  const { url, db } = await testDatabase(t);
  const config = loadConfig({}, { databaseUrl: url });
  const worker = await startWorker({ config, connectionString: url });
  t.equal(worker.healthy(), true, 'healthy once started');
  const schema = await db.exec({ area: 'content', mode: 'read' }, `SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss'`);
  t.equal(schema.rowCount, 1, 'pg-boss installed its schema');
  await worker.close();
  t.equal(worker.healthy(), false, 'not healthy after close');
  await worker.close(); // idempotent
});
