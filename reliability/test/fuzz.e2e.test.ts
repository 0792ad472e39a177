// The fuzzer's short run, part of every test run: 10,000 generated requests (the same generator
// as `pnpm fuzz`) against the API in its own process over real HTTP, on a database cloned from
// the test template. No 5xx, no leaked internals, no 4xx without the error shape, no broken
// connection, no crash; every documented route answered 2xx at least once (the run reaches
// the commands, not only the validators); and the API's live heap after a full GC does not grow
// with the number of requests (no cache without a bound).
import t from 'tap';
import { createDatabase, dropDatabase } from '../../test/harness/db.ts';
import { spawnApi } from '../lib/fuzz-stack.ts';
import { seed } from '../lib/fuzz-seed.ts';
import { generator, operationsOf } from '../lib/fuzz-gen.ts';
import { runFuzz } from '../lib/fuzz-run.ts';
import { observe } from '../lib/fuzz-valid.ts';
import { fuzzOidcProvider } from '../lib/fuzz-oidc.ts';

const REQUESTS = Number(process.env.PARLEY_FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 20261202);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

t.test(`${REQUESTS} fuzzed requests: no 5xx, no leaks, no crash, bounded memory`, async (t) => {
  const { name, url } = await createDatabase();
  // a real OpenID Connect provider, so the sign-in routes are reached (fuzz-oidc)
  const oidc = await fuzzOidcProvider(t);
  const api = await spawnApi(url, oidc.env);
  t.teardown(async () => {
    await api.stop();
    if (t.passing()) await dropDatabase(name);
  });
  const fixtures = await seed(api.url, url);
  const doc = (await (await fetch(`${api.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const before = await api.memory();
  const stats = await runFuzz({
    baseUrl: api.url,
    arb: generator(fixtures, doc),
    observe: observe(fixtures),
    requests: REQUESTS,
    seed: SEED,
    concurrency: 8,
    maxMs: 90_000,
    log: (line) => t.comment(line),
    rss: () => api.rss(),
    crashed: () => (api.exited() ? `the API exited: ${JSON.stringify(api.exited())}\n${api.stderr().slice(-2000)}` : undefined),
  });
  const after = await api.memory();
  t.comment(`seed ${SEED}: ${stats.sent} requests in ${(stats.durationMs / 1000).toFixed(1)} s (${Math.round(stats.rate)}/s); api rss ${mb(before.rss)} -> ${mb(after.rss)}, heap used after GC ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}`);
  for (const f of stats.failures.slice(0, 10)) t.comment(`${f.kind} ${f.route}\n  ${f.request}\n  ${f.detail}`);
  if (stats.fiveXX) t.comment(`the API logged:\n${api.errors.slice(-5).join('\n')}`);

  t.equal(stats.sent, REQUESTS, 'every request was sent within the time limit');
  t.notOk(stats.crash, 'the API did not crash');
  t.equal(stats.fiveXX, 0, 'no 5xx');
  t.equal(stats.leaks, 0, 'no response leaked internals');
  t.equal(stats.shapeless, 0, 'every 4xx has the error shape');
  t.equal(stats.transport, 0, 'no broken connection or hang');
  const redirects = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
    .filter(([, op]) => Object.keys((op as { responses?: object }).responses ?? {}).some((status) => /^3\d\d$/.test(status)))
    .map(([method]) => `${method.toUpperCase()} ${path}`)));
  const unreached = operationsOf(doc)
    .map((op) => `${op.method} ${op.template}`)
    // a route whose success is a redirect (the OpenID Connect start: 302 to the provider) succeeds with a 3xx
    .filter((route) => !['2xx', ...(redirects.has(route) ? ['3xx'] : [])].some((cls) => stats.routeStatus[route]?.[cls] || stats.routeStatus[`${route} (valid)`]?.[cls]));
  t.same(unreached, [], 'every documented route answered its success (2xx, or the 3xx it documents) at least once');
  t.ok(after.heapUsed - before.heapUsed < 32 * 2 ** 20, `live heap after GC grew ${mb(after.heapUsed - before.heapUsed)} (under 32 MB)`);
});
