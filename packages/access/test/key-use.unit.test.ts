// The key's last use is recorded at most once per interval per forum and process: a busy
// integration does not turn every request into a write.
import t from 'tap';
import { KEY_USE_INTERVAL_SECONDS, recordKeyUse } from '@parley/access';
import type { Database } from '@parley/data';

t.test('one write per forum and interval', async (t) => {
  const writes: unknown[][] = [];
  const db = { exec: async (_route: unknown, _sql: string, values: unknown[]) => writes.push(values) } as unknown as Database;
  const at = 1_000_000;
  await recordKeyUse(db, '7', at);
  await recordKeyUse(db, '7', at + 1000);
  await recordKeyUse(db, '8', at + 1000);
  t.same(writes, [['7', KEY_USE_INTERVAL_SECONDS], ['8', KEY_USE_INTERVAL_SECONDS]], 'forum 7 once, forum 8 once');
  await recordKeyUse(db, '7', at + KEY_USE_INTERVAL_SECONDS * 1000);
  t.equal(writes.length, 3, 'forum 7 again once the interval has passed');
  const other = { exec: async () => writes.push(['other']) } as unknown as Database;
  await recordKeyUse(other, '7', at + KEY_USE_INTERVAL_SECONDS * 1000);
  t.equal(writes.length, 4, 'another database (another app) keeps its own interval');
});
