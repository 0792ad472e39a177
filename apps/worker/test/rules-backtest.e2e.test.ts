// `pnpm rules:backtest` as an operator runs it: a child process through scripts/with-database.ts
// on the configured database (DATABASE_URL), a rules file, progress on stderr, the result on stdout
// (a table, or JSON agreeing with the API's), refusals with exit 2, Ctrl-C with exit 130.
import t from 'tap';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';

const cli = fileURLToPath(new URL('../src/cli/rules-backtest.ts', import.meta.url));
const withDatabase = fileURLToPath(new URL('../../../scripts/with-database.ts', import.meta.url));

/** `direct`: the tool itself, as Ctrl-C in a terminal reaches it (with-database.ts leaves SIGINT to it) */
function start(args: string[], databaseUrl: string, env: Record<string, string> = {}, direct = false) {
  const child = spawn(process.execPath, [...(direct ? [] : [withDatabase]), cli, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => void (out += c));
  child.stderr.on('data', (c: Buffer) => void (err += c));
  const done = new Promise<{ code: number | null; out: string; err: string }>((ok) => child.on('exit', (code) => ok({ code, out, err })));
  return { child, done, stderr: () => err };
}
const run = (args: string[], databaseUrl: string) => start(args, databaseUrl).done;

async function rulesFile(t: TapTest, rules: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-backtest-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'rules.json');
  await writeFile(file, typeof rules === 'string' ? rules : JSON.stringify(rules));
  return file;
}

const casino = { newCommenter: { enabled: false }, links: { enabled: false }, spamHeuristics: { enabled: false }, blocklist: { entries: [{ kind: 'word', term: 'casino', action: 'spam' }] } };

async function seeded(api: TestApi) {
  const { forum, moderatorKey } = await api.forum();
  const th = await api.thread(forum.slug);
  for (let i = 0; i < 12; i++) {
    const { post } = await api.post(th.id, { message: i % 3 ? `a fine comment ${i}` : `casino offer ${i}` });
    if (i % 4 === 1) await api.req('POST', `/v1/posts/${post.id}/spam`, { token: moderatorKey });
  }
  return { forum, moderatorKey };
}

t.test('prints progress and a table; --json agrees with the API', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await seeded(api);
  const file = await rulesFile(t, casino);
  const table = await run(['--forum', forum.slug, '--rules', file], api.url);
  t.equal(table.code, 0, table.err);
  t.match(table.err, /\[backtest\] 12 comments judged, \d+ events read/);
  t.match(table.err, /\[backtest\] done: 12 comments in \d+ ms/);
  t.match(table.out, /forum .*: 12 comments judged/);
  t.match(table.out, /^spam\s+3\s+0\s+0\s+1\s+0\s+0$/m, 'spam row: 3 stayed approved, 1 marked as spam');
  t.match(table.out, /^approved\s+6\s+0\s+0\s+2\s+0\s+0$/m);
  t.match(table.out, /false positives: 3 /);
  t.match(table.out, /misses: 2 /);
  t.match(table.out, /bans: none/);

  const json = await run(['--forum', forum.slug, '--rules', file, '--json'], api.url);
  t.equal(json.code, 0, json.err);
  const cliResult = JSON.parse(json.out);
  const r = await api.req('POST', `/v1/forums/${forum.slug}/rules/backtest`, { token: moderatorKey, body: { rules: casino } });
  const apiResult = typeof r.body === 'string' ? JSON.parse(r.body.trim().split('\n').at(-1)!) : r.body;
  t.same([cliResult.matrix, cliResult.falsePositives.count, cliResult.misses.count], [apiResult.matrix, apiResult.falsePositives.count, apiResult.misses.count]);

  const banned = await run(['--forum', forum.slug, '--rules', file, '--json', '--bans', await rulesFile(t, [{ kind: 'email', value: 'guest@example.com' }])], api.url);
  t.match(JSON.parse(banned.out), { verdicts: { rejected: 12 }, reasons: { banned_email: 12 } }, '--bans: every comment was the banned guest\'s');
  const capped = JSON.parse((await run(['--forum', forum.slug, '--rules', file, '--json', '--max', '5'], api.url)).out);
  t.match(capped, { comments: 5, truncated: true });
});

t.test('refusals: bad rules, a file that is not JSON, an unknown forum, a backtest running, bad usage', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const bad = await run(['--forum', forum.slug, '--rules', await rulesFile(t, { spamHeuristics: { repeatedTextCount: 1 } })], api.url);
  t.equal(bad.code, 2);
  t.match(bad.err, /refused \(invalid_settings\): moderation\.spamHeuristics\.repeatedTextCount must be 0 \(off\) or at least 2/);
  const notJson = await run(['--forum', forum.slug, '--rules', await rulesFile(t, '{ nope')], api.url);
  t.equal(notJson.code, 2);
  t.match(notJson.err, /refused \(invalid_settings\): .*rules\.json: /);
  const missing = await run(['--forum', 'no-such-forum', '--rules', await rulesFile(t, {})], api.url);
  t.equal(missing.code, 2);
  t.match(missing.err, /refused \(forum_not_found\)/);
  const usage = await run(['--forum', forum.slug], api.url);
  t.equal(usage.code, 2);
  t.match(usage.err, /^usage: pnpm rules:backtest/);

  const { lockBacktest } = await import('@parley/data');
  const release = await lockBacktest(api.db, forum.id);
  const busy = await run(['--forum', forum.slug, '--rules', await rulesFile(t, {})], api.url);
  await release();
  t.equal(busy.code, 2);
  t.match(busy.err, /refused \(backtest_running\)/);
});

t.test('Ctrl-C cancels the run: exit 130, and the forum is free again', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const th = await api.thread(forum.slug);
  // the first page is a guest's; the next ones need an account's age, held back below until Ctrl-C
  await api.post(th.id, { message: 'a guest comment' });
  const user = await api.req('POST', '/v1/users', { body: { username: 'cli-ada', email: 'cli-ada@example.org', password: 'correct horse battery' } });
  for (let i = 0; i < 5; i++) await api.post(th.id, { message: `an account comment ${i}` }, user.body.token);
  const holder = new pg.Client({ connectionString: api.url });
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');

  const running = start(['--forum', forum.slug, '--rules', await rulesFile(t, {})], api.url, { PARLEY_BACKTEST_PAGE_SIZE: '1' }, true);
  const deadline = Date.now() + 20_000;
  while (!running.stderr().includes('comments judged') && Date.now() < deadline) await new Promise((ok) => running.child.stderr.once('data', ok));
  running.child.kill('SIGINT');
  // the tool has taken the signal before the held page is let through
  while (!running.stderr().includes('cancelling') && Date.now() < deadline) await new Promise((ok) => running.child.stderr.once('data', ok));
  await holder.query('COMMIT');
  const r = await running.done;
  t.equal(r.code, 130, r.err);
  t.match(r.err, /\[backtest\] cancelled after 1 comments/);
  t.equal(r.out, '', 'no result');
  const again = await run(['--forum', forum.slug, '--rules', await rulesFile(t, {}), '--json'], api.url);
  t.equal(again.code, 0, 'the lock went with the cancelled run');
  t.equal(JSON.parse(again.out).comments, 6);
});
