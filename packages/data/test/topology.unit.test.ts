// The topology file's schema (packages/data/src/topology.ts): what it accepts, what it refuses
// and how it says so (by place in the file, never by value: values hold passwords).
import t from 'tap';
import { configError } from './config-error.ts';
import { loadConfig, parseTopology, topologyUrls } from '@parley/data';

const pg = (host: string, db = 'parley') => `postgres://parley:s3cret-${host}@${host}:5432/${db}`;

t.test('a full topology: accounts, content shards with replicas and pgbouncer; forums default to accounts', async (t) => {
  const topo = parseTopology({
    accounts: { primary: pg('acc') },
    content: {
      '0': { primary: pg('c0'), replicas: [pg('c0r1')], pgbouncer: 'postgresql://parley:s3cret-c0@c0-bouncer:6432/parley' },
      '1': { primary: pg('c1'), replicas: [pg('c1r1'), pg('c1r2')] },
    },
  });
  t.same(topo.forums, topo.accounts, 'the forum directory lives with accounts unless named');
  t.same(Object.keys(topo.content).map(Number), [0, 1], 'shards by number');
  t.equal(topo.content[1].replicas?.length, 2);
  const urls = topologyUrls(topo);
  t.same(urls.primaries, [pg('acc'), pg('c0'), pg('c1')], 'each primary once (for migrations)');
  t.equal(urls.all.length, 7, 'primaries, replicas and the pgbouncer (for secret masking)');
});

t.test('forums may have their own nodes', async (t) => {
  const topo = parseTopology({ accounts: { primary: pg('acc') }, forums: { primary: pg('fo') }, content: { '0': { primary: pg('c0') } } });
  t.equal(topo.forums.primary, pg('fo'));
});

t.test('refusals name the place in the file, never a value', async (t) => {
  const refused = (json: unknown, pattern: RegExp, what: string) =>
    t.notMatch(configError(t, () => parseTopology(json), pattern, what), /s3cret/, `${what}: no password in the message`);
  const ok = { accounts: { primary: pg('acc') }, content: { '0': { primary: pg('c0') } } };
  refused(null, /not a valid topology/, 'not an object');
  refused({ content: ok.content }, /not a valid topology: .*accounts/, 'no accounts');
  refused({ accounts: ok.accounts, content: {} }, /not a valid topology: \/content/, 'no content shard');
  refused({ ...ok, extra: 1 }, /not a valid topology/, 'an unknown key');
  refused({ ...ok, accounts: { primary: 'mysql://x:s3cret-a@h/db' } }, /\/accounts\/primary/, 'not a postgres URL');
  refused({ ...ok, accounts: { primary: pg('acc'), replica: [pg('r')] } }, /\/accounts/, 'a misspelt field');
  refused({ ...ok, content: { '0': { primary: pg('c0'), replicas: pg('r') } } }, /\/content\/0\/replicas/, 'replicas not a list');
  refused({ ...ok, content: { first: { primary: pg('c0') } } }, /\/content/, 'a shard that is not a number');
  refused({ ...ok, content: { '007': { primary: pg('c0') } } }, /\/content/, 'a shard number with leading zeros');
  refused({ ...ok, content: { '40000': { primary: pg('c0') } } }, /content shard 40000 is out of range/, 'a shard past 2^15');
});

t.test('DATABASE_URL and PARLEY_TOPOLOGY are one or the other', async (t) => {
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://u:p@h/d', PARLEY_TOPOLOGY: '/etc/parley/topology.json' }), /not both/);
  t.equal(loadConfig({ PARLEY_TOPOLOGY: '/etc/parley/topology.json' }).topology, '/etc/parley/topology.json');
});
