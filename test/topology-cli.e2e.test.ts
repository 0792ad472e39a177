// The operator's tools on a split topology (accounts, content shards 0 and 1), run as child
// processes the way the pnpm scripts run them, with PARLEY_TOPOLOGY: `pnpm forum:move` (its
// refusals, its progress lines, and a move whose result the API then serves) and `pnpm dlq`, which
// sees the dead-letter queues of every database that holds events, not only the first shard's.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startWorker } from '@parley/worker';
import { testApi } from './harness/app.ts';
import { forumOnShard, twoShards } from './harness/topology.ts';
import { until } from './harness/until.ts';

const withDatabase = fileURLToPath(new URL('../scripts/with-database.ts', import.meta.url));
const cli = (name: string) => fileURLToPath(new URL(`../apps/worker/src/cli/${name}.ts`, import.meta.url));

function run(script: string, args: string[], topology: string): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_TOPOLOGY: topology };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [withDatabase, cli(script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => void (out += c));
  child.stderr.on('data', (c: Buffer) => void (out += c));
  return new Promise((ok) => child.on('exit', (code) => ok({ code, out })));
}

t.test('pnpm forum:move and pnpm dlq on a split topology', async (t) => {
  const { db, file, c0, c1, sql } = await twoShards(t);
  const api = await testApi(t, {}, db);
  const worker = await startWorker({ config: api.config, db, log: () => {} });
  t.teardown(() => worker.close());
  await forumOnShard(api, 'cli-move', 0);
  const thread = await api.thread('cli-move', 'page');
  for (let i = 0; i < 5; i++) await api.post(thread.id, { message: `comment ${i}` });

  const usage = await run('forum-move', [], file);
  t.same([usage.code, usage.out], [2, 'usage: pnpm forum:move <forum slug> --to <content shard>\n'], 'no arguments: the usage');
  const nowhere = await run('forum-move', ['cli-move', '--to', '7'], file);
  t.equal(nowhere.code, 2);
  t.match(nowhere.out, /^\[move\] refused: content shard 7 is not in the topology \(shards: 0, 1\)$/m, 'a shard the topology lacks');
  const unknown = await run('forum-move', ['no-such-forum', '--to', '1'], file);
  t.match([unknown.code, unknown.out], [2, /refused: no forum no-such-forum/]);

  const moved = await run('forum-move', ['cli-move', '--to', '1'], file);
  t.equal(moved.code, 0, moved.out);
  for (const line of [
    /^\[move\] moving forum cli-move \(\d+\) from content shard 0 to 1$/m,
    /^\[move\] copy: posts 5$/m,
    /^\[move\] verified: threads 1, posts 5, votes 0, post_flags 0, events 6; checksums and heads match \(catch-up 2: 0 events\)$/m,
    /^\[move\] fenced; the running writes ended in \d+ ms; last catch-up: 0 events, 0 rows in \d+ ms; verified in \d+ ms; recounted in \d+ ms$/m,
    /^\[move\] switched to content shard 1; writes waited at most \d+ ms$/m,
    /^\[move\] removed the old copy from content shard 0$/m,
  ]) t.match(moved.out, line);
  const [left] = await sql(c0.url, 'SELECT count(*)::int AS n FROM posts');
  t.equal(left.n, 0, 'shard 0 holds none of its posts');
  const page = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.same([page.status, page.body.posts.length], [200, 5], 'the API serves the thread from shard 1, by its old id');
  const again = await run('forum-move', ['cli-move', '--to', '1'], file);
  t.match([again.code, again.out], [2, /refused: forum cli-move is already on content shard 1/], 'a second run has nothing to do');

  // a poison event on shard 1 (a future schema version) dead-letters in shard 1's own pg-boss
  const [bad] = await sql(c1.url, `INSERT INTO events (forum_id, type, schema_version, actor, snapshot) VALUES (NULL, 'PostCreated', 99, 'test', '\\x00') RETURNING id::text`);
  const listed = await until('the poison event in a dead-letter queue', 30_000, async () => {
    const r = await run('dlq', ['list'], file);
    return r.out.includes(`events ${bad.id} PostCreated`) ? r : undefined;
  });
  const line = listed.out.split('\n').find((l) => l.includes(`events ${bad.id}`))!;
  t.match(line, /^content\.1 {2}[0-9a-f-]{36} {2}\S+\.dead /, 'pnpm dlq lists it, named by its database');
  const jobId = line.split(/\s+/)[1];
  const shown = await run('dlq', ['show', jobId], file);
  t.match([shown.code, shown.out], [0, /"database": "content.1"/], 'show finds it on its database');
  const replayed = await run('dlq', ['replay', jobId], file);
  t.match([replayed.code, replayed.out], [0, new RegExp(`^replayed ${jobId} into \\S+ as `)], 'and replay sends it back there');
});
