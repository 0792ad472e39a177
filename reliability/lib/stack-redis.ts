// The stack's Redis: the Debian redis-server in the foreground on a fixed loopback port, without
// persistence (the realtime fast path keeps nothing in it), dying with the run. Up means it
// answers PING. A kill is SIGKILL; the restart is a new server on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { dyingWithParent, ping, redisServerBinary } from '../../test/harness/redis.ts';
import { Service, Tail, type ServiceHooks } from './stack-service.ts';

export class RedisService extends Service {
  private child: ChildProcess | undefined;

  readonly port: number;
  private readonly dir: string;

  constructor(hooks: ServiceHooks, port: number, dir: string) {
    super('redis', hooks);
    this.port = port;
    this.dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  pid(): number | undefined {
    return this.running() ? this.child?.pid : undefined;
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  protected async startOnce(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--logfile', '', '--loglevel', 'warning', '--daemonize', 'no'];
    const [cmd, argv] = dyingWithParent(redisServerBinary(), args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const tail = new Tail();
    child.stdout!.on('data', (d: Buffer) => tail.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => tail.push(d.toString()));
    if (child.pid) this.hooks.track(child.pid);
    let up = false;
    child.once('exit', (code, signal) => this.exited(child.pid ?? 0, signal ? `signal ${signal}` : `code ${code}`, tail, up));
    const end = Date.now() + 10_000;
    for (;;) {
      if (!this.running()) throw new Error(`redis-server exited before it answered PING: ${tail.errorText()}`);
      if ((await ping(this.port)) === 'PONG') break;
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING within 10 s: ${tail.errorText()}`);
      }
      await new Promise((ok) => setTimeout(ok, 20));
    }
    up = true;
  }

  protected async killNow(): Promise<void> {
    await this.signal('SIGKILL');
  }

  protected async stopNow(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
