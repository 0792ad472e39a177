// One backtest per forum at a time, across API processes and the CLI: a session advisory lock on
// the forums primary, held by a connection of its own for the whole run (a crashed holder's
// session ends, and its lock with it).
import pg from 'pg';
import { ParleyError } from '@parley/domain';
import type { Database } from '../db.ts';
import * as backtestSql from '../sql/backtest.ts';
import { translateConnectionError } from '../unavailable.ts';

/**
 * One backtest per forum at a time, across processes: a session advisory lock on the forums
 * primary, held by a connection of its own until `release`. Throws backtest_running when taken.
 */
export async function lockBacktest(db: Database, forumId: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: db.primaryUrl({ area: 'forums' }), application_name: 'parley:backtest' });
  client.on('error', () => {}); // a lost lock connection ends the lock; the run finishes on its own
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(backtestSql.tryLock, [backtestSql.BACKTEST_LOCK, forumId]);
    if (!rows[0].ok) throw new ParleyError('backtest_running');
  } catch (err) {
    await client.end().catch(() => {});
    return translateConnectionError(err);
  }
  return () => client.end().catch(() => {});
}
