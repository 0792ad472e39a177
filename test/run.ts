// The test command (`pnpm test:only`, and `npm test` after installing). In order:
//   1. typecheck (tsc --noEmit) and lint (eslint .); each failure counts as one failed test;
//   2. a throwaway Postgres on a free loopback port, with a migrated `parley_template` database
//      that each test file clones (see test/harness/db.ts);
//   3. tap over every *.test.ts outside node_modules, TAP streamed through;
//   4. the API's suite (apps/api/test) once more on the split layout: accounts on a database of
//      their own and two content shards (PARLEY_TEST_TOPOLOGY=split, test/harness/db.ts), so the
//      foundation's API tests pass against the topology as well as against one database;
//   5. the last line printed is exactly `N passed, N failed`; the exit status is non-zero on failure.
//
// Usage: node test/run.ts [--no-check] [--no-split] [file-or-substring ...]
//   --no-check           skip typecheck and lint (quick local loops)
//   --no-split           skip step 4
//   file-or-substring    run only test files whose path contains one of these (step 4 runs the
//                        API test files among them)
// Env (test wiring only): PARLEY_TEST_KEEP_DATA=1 keeps the Postgres cluster directory after the run.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { migrate } from '../packages/data/src/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedPg } from '../scripts/lib/embedded-postgres.ts';
import { freePort } from '../scripts/lib/free-port.ts';
import { TapCounter } from './harness/tap-counter.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'node_modules', '.bin');
const TEMPLATE = 'parley_template';
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'fixtures']);

const args = process.argv.slice(2);
const runChecks = !args.includes('--no-check');
const runSplit = !args.includes('--no-split');
const SPLIT_SUITE = 'apps/api/test/';
const filters = args.filter((a) => !a.startsWith('--'));

const counter = new TapCounter();
let failedChecks = 0;
let pgServer: EmbeddedPg | undefined;
let clusterDir: string | undefined;
let tapChild: ReturnType<typeof spawn> | undefined;

const say = (line: string) => process.stdout.write(`# run: ${line}\n`);

async function main(): Promise<void> {
  await ensureTapBuilt();
  const checks = runChecks
    ? Promise.all([
        check('typecheck', 'tsc', ['--noEmit', '-p', 'tsconfig.json']),
        check('lint', 'eslint', ['.']),
      ])
    : Promise.resolve([]);

  clusterDir = await mkdtemp(join(tmpdir(), 'parley-test-'));
  await chmod(clusterDir, 0o755); // postgres runs as its own user when we are root
  const port = await freePort();
  pgServer = await startEmbeddedPostgres({
    dir: join(clusterDir, 'pg'),
    port,
    password: randomBytes(12).toString('hex'),
    flags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400'],
    log: say,
  });
  await pgServer.ensureDatabase(TEMPLATE);
  await migrate(pgServer.url(TEMPLATE), say);

  // Typecheck and lint ran while Postgres started; print their verdicts before the suites.
  for (const r of await checks) {
    process.stdout.write(r.output);
    say(`${r.name}: ${r.ok ? 'ok' : 'FAILED'}`);
    if (!r.ok) failedChecks++;
  }

  const files = (await findTests(root)).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    say('no test files found');
    return;
  }
  say(`${files.length} test files`);
  // API processes a test starts inherit this: the moderation rules' defaults hold a first comment,
  // and most tests are about published comments (in-process APIs: test/harness/app.ts)
  const env = { PARLEY_TEST_PG_URL: pgServer.url('postgres'), PARLEY_TEST_TEMPLATE: TEMPLATE, PARLEY_MODERATION_RULES: 'false' };
  let code = await runTap(files, env);
  const split = runSplit && !interrupted ? files.filter((f) => f.startsWith(SPLIT_SUITE)) : [];
  if (split.length) {
    say(`${split.length} API test files again on the split layout (accounts + content shards 0 and 1)`);
    code = (await runTap(split, { ...env, PARLEY_TEST_TOPOLOGY: 'split' })) || code;
  }
  counter.finish(code);
}

interface CheckResult {
  name: string;
  ok: boolean;
  output: string;
}

function check(name: string, tool: string, toolArgs: string[]): Promise<CheckResult> {
  return new Promise((resolve) => {
    const child = spawn(join(bin, tool), toolArgs, { cwd: root, env: withBinOnPath(process.env) });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', (err) => resolve({ name, ok: false, output: `${err.message}\n` }));
    child.on('close', (code) => resolve({ name, ok: code === 0, output }));
  });
}

function runTap(files: string[], extraEnv: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    tapChild = spawn(
      join(bin, 'tap'),
      ['--reporter=tap', '--jobs=2', '--timeout=120', ...files],
      { cwd: root, env: { ...withBinOnPath(process.env), ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let partial = '';
    tapChild.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) counter.line(line);
    });
    tapChild.on('error', (err) => {
      say(`could not run tap: ${err.message}`);
      resolve(1);
    });
    tapChild.on('close', (code, signal) => {
      if (partial) counter.line(partial);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/**
 * tap bakes its plugin list into a generated Test class. Our config drops @tapjs/typescript (Node
 * 24 strips types itself), but after a fresh install the class still carries the default list, and
 * tap only rebuilds it for the *next* run, so the first run would load the TypeScript loader.
 * Rebuild up front whenever the generated class still lists that plugin.
 */
async function ensureTapBuilt(): Promise<void> {
  let built = '';
  try {
    const tapDir = await realpath(join(root, 'node_modules', 'tap'));
    built = await readFile(join(dirname(tapDir), '@tapjs', 'test', 'test-built', 'dist', 'esm', 'index.js'), 'utf8');
  } catch {
    // layout unknown: rebuild to be safe
  }
  const signature = /export const signature = `([^`]*)`/.exec(built)?.[1];
  if (signature !== undefined && !signature.includes('@tapjs/typescript')) return;
  say('tap build (plugin list changed since install)');
  const result = await check('tap build', 'tap', ['build']);
  if (!result.ok) throw new Error(`tap build failed:\n${result.output}`);
}

/** Node 24 (node_modules/.bin/node) first on PATH, so every child runs the pinned Node. */
function withBinOnPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: `${bin}${delimiter}${env.PATH ?? ''}` };
}

async function findTests(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findTests(path)));
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

async function cleanUp(): Promise<void> {
  await pgServer?.stop().catch((err: Error) => say(`stopping Postgres: ${err.message}`));
  if (!clusterDir) return;
  if (process.env.PARLEY_TEST_KEEP_DATA === '1') say(`kept the test cluster in ${clusterDir}`);
  else await rm(clusterDir, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping`);
    tapChild?.kill('SIGTERM');
    void cleanUp().finally(() => process.exit(130));
  });
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  say(`harness error: ${(err as Error).stack ?? err}`);
  counter.harnessFailure();
}
await cleanUp();
const passed = counter.passed;
const failed = counter.failed + failedChecks;
if (failed > 0 || counter.harnessFailed) exitCode = 1;
for (const name of counter.failures) say(`failed: ${name}`);
for (let i = 0; i < failedChecks; i++) say('failed: typecheck or lint (its output is above)');
process.stdout.write(`${passed} passed, ${failed} failed\n`);
// embedded-postgres's exit hook would otherwise swallow the exit code.
process.exit(exitCode);
