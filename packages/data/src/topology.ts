// The database topology: which Postgres serves each alias. A topology file (PARLEY_TOPOLOGY, JSON)
// names every alias with its primary, its streaming replicas and, optionally, the pgbouncer in
// front of the primary; it is validated once, when a process opens its databases. DATABASE_URL
// alone still means one database for every alias (the embedded default).
//
// Where things live: `accounts` holds users, sessions and the forums table, which is also the
// shard map (each forum's `shard`); `forums` is its own alias so the forum directory can move
// off accounts later, and defaults to the accounts nodes; `content` has one entry per shard
// (threads, posts, votes, events).
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import Value from 'typebox/value';
import { ConfigError } from './config.ts';

const PostgresUrl = Type.String({ pattern: '^postgres(ql)?://[^\\s]+$', maxLength: 2000 });

const NodesSchema = Type.Object(
  {
    /** the primary, reached directly: writes, read-your-writes, and sessions that need one (LISTEN, pg-boss) */
    primary: PostgresUrl,
    /** physical streaming replicas of that primary: reads */
    replicas: Type.Optional(Type.Array(PostgresUrl, { maxItems: 32 })),
    /** pgbouncer (transaction pooling) in front of the primary: the pools' writes go through it */
    pgbouncer: Type.Optional(PostgresUrl),
  },
  { additionalProperties: false },
);

/** Ids carry their shard above bit 48 of a signed bigint (ADR 0001): 2^15 shards at most. */
const ShardKey = Type.String({ pattern: '^(0|[1-9][0-9]{0,4})$' });

export const TopologySchema = Type.Object(
  {
    accounts: NodesSchema,
    forums: Type.Optional(NodesSchema),
    content: Type.Record(ShardKey, NodesSchema, { minProperties: 1, additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type TopologyFile = Static<typeof TopologySchema>;
export type AreaNodes = Static<typeof NodesSchema>;

/** Connection strings per area; content has one entry per shard. */
export interface Topology {
  accounts: AreaNodes;
  forums: AreaNodes;
  content: Record<number, AreaNodes>;
}

export const singleDatabase = (url: string): Topology => ({
  accounts: { primary: url },
  forums: { primary: url },
  content: { 0: { primary: url } },
});

/**
 * A parsed topology file as a Topology, or a ConfigError that names every problem by its place in
 * the file (never by value: the values are connection strings with passwords).
 */
export function parseTopology(json: unknown, source = 'the topology'): Topology {
  if (!Value.Check(TopologySchema, json)) {
    const problems = [...Value.Errors(TopologySchema, json)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ConfigError(`${source} is not a valid topology: ${problems.join('; ')}`);
  }
  const content: Record<number, AreaNodes> = {};
  for (const [shard, nodes] of Object.entries(json.content)) {
    if (Number(shard) >= 2 ** 15) throw new ConfigError(`${source}: content shard ${shard} is out of range (0 to 32767: ids carry their shard above bit 48)`);
    content[Number(shard)] = nodes;
  }
  // a database hands out one shard's ids (its sequences start at shard × 2^48): one primary per shard
  const byPrimary = new Map<string, string>();
  for (const [shard, nodes] of Object.entries(json.content)) {
    const other = byPrimary.get(nodes.primary);
    if (other !== undefined) throw new ConfigError(`${source}: content shards ${other} and ${shard} name the same primary; each shard needs a database of its own`);
    byPrimary.set(nodes.primary, shard);
  }
  return { accounts: json.accounts, forums: json.forums ?? json.accounts, content };
}

const loaded = new Map<string, Topology>();

/** Reads and validates a topology file (once per path and process). */
export function loadTopologyFile(path: string): Topology {
  let topology = loaded.get(path);
  if (topology) return topology;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`PARLEY_TOPOLOGY: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`PARLEY_TOPOLOGY: ${path} is not JSON (${(err as Error).message.replace(/ in JSON.*$/, '')})`);
  }
  topology = parseTopology(json, `PARLEY_TOPOLOGY (${path})`);
  loaded.set(path, topology);
  return topology;
}

/** Every connection string of a topology (for secret masking and for `pnpm migrate`). */
export function topologyUrls(t: Topology): { primaries: string[]; all: string[] } {
  const nodes = [t.accounts, t.forums, ...Object.values(t.content)];
  const primaries = [...new Set(nodes.map((n) => n.primary))];
  const all = [...new Set(nodes.flatMap((n) => [n.primary, ...(n.replicas ?? []), ...(n.pgbouncer ? [n.pgbouncer] : [])]))];
  return { primaries, all };
}
