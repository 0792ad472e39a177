// The seed's assertQueryCount: counts the statements a piece of work sends, per database alias.
import type { Database } from '@parley/data';

export async function countQueries(db: Database, work: () => Promise<unknown>): Promise<{ counts: Record<string, number>; statements: string[] }> {
  const counts: Record<string, number> = {};
  const statements: string[] = [];
  const stop = db.onQuery((alias, text) => {
    counts[alias] = (counts[alias] ?? 0) + 1;
    statements.push(`${alias}: ${text.replace(/\s+/g, ' ').slice(0, 120)}`);
  });
  try {
    await work();
  } finally {
    stop();
  }
  return { counts, statements };
}
