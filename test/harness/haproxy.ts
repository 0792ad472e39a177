// A real HAProxy for a test: Debian's haproxy (2.6) in the foreground on 127.0.0.1 and a free
// port, configured by scripts/lib/haproxy.ts in front of the processes the test names. Stopped on
// teardown. Where the binary is missing the harness throws, saying how to install it: `npm test`
// installs it (scripts/bootstrap.sh).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.ts';
import { haproxyConfig, type HaproxyLayout } from '../../scripts/lib/haproxy.ts';
import { dyingWithParent, which } from '../../scripts/lib/binaries.ts';
import type { TapTest } from './db.ts';
import { until } from './until.ts';

export interface TestHaproxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  output(): string;
}

const listening = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      ok(true);
    });
    s.on('error', () => ok(false));
  });

export async function testHaproxy(t: TapTest, layout: Omit<HaproxyLayout, 'port'>): Promise<TestHaproxy> {
  const bin = which('haproxy');
  if (!bin) throw new Error('haproxy is not installed. Install the Debian package: `apt-get install -y --no-install-recommends haproxy`; `npm test` does this itself (scripts/bootstrap.sh).');
  const dir = await mkdtemp(join(tmpdir(), 'parley-haproxy-'));
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, haproxyConfig({ ...layout, port }));
  const [cmd, args] = dyingWithParent(bin, ['-db', '-f', file]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => void (output = (output + d).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  t.teardown(async () => {
    if (!t.passing()) t.comment(`haproxy output:\n${output}`);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  await until('haproxy to listen', 10_000, async () => {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${output}`);
    return (await listening(port)) ? true : undefined;
  });
  return { url: `http://127.0.0.1:${port}`, port, output: () => output };
}
