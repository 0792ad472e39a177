// The stack's Postgres: scripts/lib/embedded-postgres.ts on a fixed directory and port. A kill is
// SIGKILL to the postmaster (the first line of postmaster.pid), as a crashed server; the restart
// is a new server on the same directory and port, which runs crash recovery. The wrapper does not
// hand out its child, so the postmaster is watched by pid.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../scripts/lib/embedded-postgres.ts';
import { Service, Tail, type ServiceHooks } from './stack-service.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class PostgresService extends Service {
  private server: EmbeddedPg | undefined;
  private postmaster: number | undefined;
  private watch: NodeJS.Timeout | undefined;
  private tail = new Tail();

  readonly dir: string;
  readonly port: number;
  private readonly password: string;
  private readonly flags: string[];

  constructor(hooks: ServiceHooks, dir: string, port: number, password: string, flags: string[]) {
    super('postgres', hooks);
    this.dir = dir;
    this.port = port;
    this.password = password;
    this.flags = flags;
  }

  url(db: string): string {
    return this.server!.url(db);
  }

  pid(): number | undefined {
    return this.running() ? this.postmaster : undefined;
  }

  running(): boolean {
    return this.postmaster !== undefined && alive(this.postmaster);
  }

  /** The postmaster and every process it forked (backends, checkpointer, walwriter, …). */
  override pids(): number[] {
    const pm = this.pid();
    if (!pm) return [];
    return [pm, ...childrenOf(pm)];
  }

  async ensureDatabase(name: string): Promise<void> {
    await this.server!.ensureDatabase(name);
  }

  protected async startOnce(): Promise<void> {
    const tail = (this.tail = new Tail());
    this.server = await startEmbeddedPostgres({ dir: this.dir, port: this.port, password: this.password, flags: this.flags, log: (l) => tail.push(l) });
    const pid = Number((await readFile(join(this.dir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    this.postmaster = pid;
    this.hooks.track(pid);
    clearInterval(this.watch);
    this.watch = setInterval(() => {
      if (alive(pid)) return;
      clearInterval(this.watch);
      this.exited(pid, 'gone', tail, true);
    }, 200);
  }

  protected async killNow(): Promise<void> {
    const pid = this.postmaster;
    if (!pid || !alive(pid)) return;
    process.kill(pid, 'SIGKILL');
    await gone(pid);
  }

  protected async stopNow(): Promise<void> {
    clearInterval(this.watch);
    const pid = this.postmaster;
    await this.server?.stop();
    if (pid) {
      await gone(pid);
      this.hooks.release(pid);
    }
  }
}

async function gone(pid: number): Promise<void> {
  const end = Date.now() + 15_000;
  while (alive(pid)) {
    if (Date.now() > end) throw new Error(`process ${pid} still alive 15 s after it was told to go`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/** Direct children of `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

