// pgbench as the ceiling: the same SQL the API runs, with no HTTP, no JSON and no Node between
// the client and Postgres. Finds the binary, writes the script, runs it with progress lines.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

/** PATH first, then Debian's /usr/lib/postgresql/<major>/bin (newest major first). */
export function findPgbench(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'pgbench');
    // Debian's /usr/bin/pgbench is a wrapper that fails when no server package ships the binary
    if (dir && existsSync(p) && (p !== '/usr/bin/pgbench' || debianPgbench())) return p;
  }
  return debianPgbench();
}

function debianPgbench(): string | undefined {
  let majors: string[] = [];
  try {
    majors = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  for (const m of majors) {
    const p = `/usr/lib/postgresql/${m}/bin/pgbench`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

export const installHint =
  'pgbench was not found on PATH nor in /usr/lib/postgresql/*/bin. On Debian 12 it ships with the server ' +
  'package: `apt-get install -y postgresql-15` (`dpkg -S pgbench` names it; on Ubuntu and newer Debian, ' +
  '`apt-get install -y postgresql-contrib` or `postgresql-<major>`). The HTTP figures above stand on their own; ' +
  'the pgbench ceiling and the ratio are skipped.';

export interface PgbenchOptions {
  bin: string;
  scriptFile: string;
  url: string;
  clients: number;
  threads: number;
  seconds: number;
  vars: Record<string, string>;
  log: (line: string) => void;
  label: string;
  /** prepared: parse and plan once per connection; extended: an unnamed statement per query, as node-pg sends them */
  mode?: 'prepared' | 'extended';
}

export interface PgbenchResult {
  clients: number;
  mode: string;
  tps: number;
  latencyMs: number;
  transactions: number;
  failed: number;
  output: string;
}

export async function runPgbench(o: PgbenchOptions): Promise<PgbenchResult> {
  const u = new URL(o.url);
  const args = [
    '-n', // no vacuum: there are no pgbench_* tables
    '-M', o.mode ?? 'prepared',
    '-f', o.scriptFile,
    '-c', String(o.clients),
    '-j', String(o.threads),
    '-T', String(o.seconds),
    '-P', '5',
    '-h', u.hostname,
    '-p', u.port,
    '-U', decodeURIComponent(u.username),
    ...Object.entries(o.vars).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
    decodeURIComponent(u.pathname.slice(1)),
  ];
  const child = spawn(o.bin, args, {
    env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password), PGAPPNAME: 'parley-bench' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 60) * 1000);
  const out: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => {
    out.push(l);
    if (l.startsWith('progress:')) o.log(`${o.label}: ${l.replace(/^progress:\s*/, '')}`);
    else if (/error|fatal|abort/i.test(l)) o.log(`${o.label}: ${l}`);
  });
  const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
  clearTimeout(kill);
  const text = out.join('\n');
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(text)?.[1]);
  if (code !== 0 || !Number.isFinite(tps)) throw new Error(`pgbench exited with ${code}:\n${text.split('\n').slice(-25).join('\n')}`);
  return {
    clients: o.clients,
    mode: o.mode ?? 'prepared',
    tps,
    latencyMs: Number(/latency average = ([\d.]+) ms/.exec(text)?.[1]),
    transactions: Number(/number of transactions actually processed: (\d+)/.exec(text)?.[1]),
    failed: Number(/number of failed transactions: (\d+)/.exec(text)?.[1] ?? 0),
    output: text,
  };
}

export async function pgbenchVersion(bin: string): Promise<string> {
  const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let s = '';
  child.stdout!.on('data', (d: Buffer) => (s += d.toString()));
  await new Promise((ok) => child.once('exit', ok));
  return s.trim();
}
