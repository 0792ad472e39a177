// A real HAProxy for a test: Debian's haproxy (2.6) on 127.0.0.1 and a free port, configured by
// scripts/lib/haproxy.ts in front of the processes the test names and started the way
// `pnpm topology:up` starts it (scripts/lib/topology-processes.ts). Stopped on teardown. Where the
// binary is missing it throws, saying how to install it: `npm test` installs it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import { haproxyConfig, type HaproxyLayout } from '../../scripts/lib/haproxy.ts';
import { startHaproxy } from '../../scripts/lib/topology-processes.ts';
import type { TapTest } from './db.ts';

export interface TestHaproxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  output(): string;
}

export async function testHaproxy(t: TapTest, layout: Omit<HaproxyLayout, 'port'>): Promise<TestHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-haproxy-'));
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, haproxyConfig({ ...layout, port }));
  const lb = await startHaproxy(file, port).catch(async (err: Error) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  t.teardown(async () => {
    const how = await lb.stop();
    if (!t.passing()) t.comment(`haproxy (exit ${String(how)}) output:\n${lb.output()}`);
    await rm(dir, { recursive: true, force: true });
  });
  return { url: lb.url, port, output: lb.output };
}
