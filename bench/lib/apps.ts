// Parley's processes as the benchmarks run them: the product's own entry points, configured only
// through the environment, with the Node flags Parley runs with (PARLEY_NODE_FLAGS). Each serves
// on a port picked here (so readiness is its GET /healthz answering 200, whatever its log lines
// look like), on 127.0.0.1.
//
// - api: apps/api/src/main.ts (PORT)
// - worker: apps/worker/src/main.ts (its /healthz on PARLEY_WORKER_HEALTH_PORT)
// - realtime: apps/realtime/src/main.ts, a standalone node (PARLEY_REALTIME_PORT)
// - all: scripts/start.ts, `pnpm start`'s one process (API + realtime on PORT + worker), on the
//   benchmark's database (DATABASE_URL) with a throwaway data directory; ready once it prints
//   where it runs (its /healthz answers before realtime is attached).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARLEY_NODE_FLAGS } from '../../scripts/lib/node-flags.ts';
import { freePort } from '../../scripts/lib/free-port.ts';
import { REALTIME_PATH } from '../../apps/realtime/src/index.ts';
import { spawnProcess, type Proc, type SpawnOptions } from './processes.ts';

export { PARLEY_NODE_FLAGS };

const entry = {
  api: { main: new URL('../../apps/api/src/main.ts', import.meta.url), portEnv: 'PORT', url: (port: number) => `http://127.0.0.1:${port}` },
  worker: { main: new URL('../../apps/worker/src/main.ts', import.meta.url), portEnv: 'PARLEY_WORKER_HEALTH_PORT', url: (port: number) => `http://127.0.0.1:${port}` },
  realtime: { main: new URL('../../apps/realtime/src/main.ts', import.meta.url), portEnv: 'PARLEY_REALTIME_PORT', url: (port: number) => `ws://127.0.0.1:${port}${REALTIME_PATH}` },
};
const startTs = new URL('../../scripts/start.ts', import.meta.url);

export type AppOptions = Pick<SpawnOptions, 'env' | 'onLine' | 'nofile' | 'timeoutMs' | 'graceMs'> & {
  name?: string;
  /** Node flags after Parley's own: --cpu-prof, `--import <preload>` for an experiment */
  nodeFlags?: string[];
};

/** An app's own entry point in its own process; `url` is where it serves (the worker: its /healthz). */
export async function startApp(app: keyof typeof entry, o: AppOptions = {}): Promise<Proc> {
  const e = entry[app];
  const port = await freePort();
  return spawnProcess({
    ...o,
    name: o.name ?? app,
    program: e.main,
    nodeFlags: [...PARLEY_NODE_FLAGS, ...(o.nodeFlags ?? [])],
    env: { HOST: '127.0.0.1', ...o.env, [e.portEnv]: String(port) },
    ready: { healthz: `http://127.0.0.1:${port}/healthz`, url: e.url(port) },
  });
}

/** `pnpm start`'s process on an existing database; stopping it also removes its data directory. */
export async function startAllInOne(o: AppOptions & { env: { DATABASE_URL: string } }): Promise<Proc> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-start-'));
  const port = await freePort();
  try {
    const p = await spawnProcess({
      ...o,
      name: o.name ?? 'pnpm start',
      program: startTs,
      nodeFlags: [...PARLEY_NODE_FLAGS, ...(o.nodeFlags ?? [])],
      env: { HOST: '127.0.0.1', ...o.env, PORT: String(port), PARLEY_DATA_DIR: dataDir },
      ready: { line: /Parley is running at (http\S+)/ },
      timeoutMs: o.timeoutMs ?? 120_000, // it builds the widget first
    });
    return {
      ...p,
      async stop() {
        await p.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
