// How many statements one request sends, per database alias: the API built in this process on
// the benchmark's database, one `inject` per request, every statement seen through
// `Database.onQuery`. Evidence for the report, not a measurement of speed.
import { buildApp } from '../../apps/api/src/index.ts';
import { Database, loadConfig, singleDatabase } from '../../packages/data/src/index.ts';

export interface InjectedRequest {
  label: string;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
}

export async function countQueries(databaseUrl: string, reqs: InjectedRequest[]): Promise<{ label: string; status: number; queries: string[] }[]> {
  const config = loadConfig({}, { databaseUrl, logLevel: 'silent', writeRatePerMinute: 0 });
  const db = new Database(singleDatabase(databaseUrl), { poolSize: 2 });
  const app = await buildApp({ config, db });
  const out: { label: string; status: number; queries: string[] }[] = [];
  try {
    for (const r of reqs) {
      // twice: the first call may fill the forum cache; the second is the steady state
      for (let i = 0; i < 2; i++) {
        const seen: string[] = [];
        const off = db.onQuery((alias, text) => seen.push(`${alias}: ${text.replace(/\s+/g, ' ').slice(0, 60)}`));
        const res = await app.inject({ method: r.method, url: r.url, ...(r.body !== undefined ? { payload: r.body as object } : {}) });
        off();
        if (i === 1) out.push({ label: r.label, status: res.statusCode, queries: seen });
      }
    }
  } finally {
    await app.close();
    await db.close();
  }
  return out;
}
