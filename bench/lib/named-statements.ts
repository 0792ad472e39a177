// EXPERIMENT, not a configuration of Parley: preloaded into the API process
// (`node --import bench/lib/named-statements.ts apps/api/src/main.ts`) by `--named-statements`,
// it makes node-pg send every parameterised statement as a named prepared statement (parsed and
// planned once per connection), to measure what that would change without touching the API's code.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

// the pg the API's data package loads, so the patch reaches its pools
const pg = createRequire(new URL('../../packages/data/package.json', import.meta.url))('pg') as typeof import('pg');
const names = new Map<string, string>();
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const original = proto.query;
proto.query = function (this: unknown, config: unknown, values?: unknown, callback?: unknown) {
  if (typeof config === 'string' && Array.isArray(values)) {
    let name = names.get(config);
    if (!name) names.set(config, (name = `bench_${createHash('sha1').update(config).digest('hex').slice(0, 16)}`));
    return original.call(this, { name, text: config, values }, callback);
  }
  return original.call(this, config, values, callback);
};
