// How many statements one request sends, per database alias: the API built in this process on
// the benchmark's database, one `inject` per request, counted by the test harness's countQueries.
// Evidence for the report, not a measurement of speed.
import { buildApp } from '../../apps/api/src/index.ts';
import { loadConfig, openDatabase, type Config } from '../../packages/data/src/index.ts';
import { countQueries } from '../../test/harness/query-count.ts';

export interface InjectedRequest {
  label: string;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `overrides`: more of the config (bench:read counts with `cacheStaleMs: 0`, so a page is rendered each time). */
export async function statementsPerRequest(databaseUrl: string, reqs: InjectedRequest[], overrides: Partial<Config> = {}): Promise<{ label: string; status: number; statements: string[] }[]> {
  const config = loadConfig({}, { databaseUrl, logLevel: 'silent', writeRatePerMinute: 0, ...overrides });
  const db = openDatabase(config, { poolSize: 2 });
  const app = await buildApp({ config, db });
  const out: { label: string; status: number; statements: string[] }[] = [];
  try {
    for (const r of reqs) {
      // twice: the first call may fill the forum cache; the second is the steady state
      for (let i = 0; i < 2; i++) {
        let status = 0;
        const { statements } = await countQueries(db, async () => {
          const res = await app.inject({ method: r.method, url: r.url, ...(r.headers ? { headers: r.headers } : {}), ...(r.body !== undefined ? { payload: r.body as object } : {}) });
          status = res.statusCode;
        });
        if (i === 1) out.push({ label: r.label, status, statements });
      }
    }
  } finally {
    await app.close();
    await db.close();
  }
  return out;
}
