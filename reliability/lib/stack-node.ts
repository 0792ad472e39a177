// A Node app of the stack (API, worker, realtime node) as its own process: Node 24 with the probe
// preloaded and an IPC channel for it, dying with the run (parent-death signal through setpriv).
// Up means: it printed the line its main.ts prints once it serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dyingWithParent } from '../../test/harness/redis.ts';
import type { ProbeSample } from './probe.ts';
import { Service, Tail, type ServiceHooks, type ServiceName } from './stack-service.ts';

const PROBE = new URL('./probe.ts', import.meta.url).href;
const READY_MS = 30_000;

export class NodeService extends Service {
  private child: ChildProcess | undefined;
  private tail = new Tail();
  private sampleId = 0;

  private readonly script: string;
  private readonly env: () => Record<string, string>;
  private readonly ready: RegExp;
  private readonly nodeFlags: string[];

  constructor(name: ServiceName, hooks: ServiceHooks, script: string, env: () => Record<string, string>, ready: RegExp, nodeFlags: string[] = []) {
    super(name, hooks);
    this.script = script;
    this.env = env;
    this.ready = ready;
    this.nodeFlags = nodeFlags;
  }

  pid(): number | undefined {
    return this.running() ? this.child?.pid : undefined;
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  protected startOnce(): Promise<void> {
    const [cmd, argv] = dyingWithParent(process.execPath, [...this.nodeFlags, '--import', PROBE, this.script]);
    const env: Record<string, string | undefined> = { ...process.env, ...this.env() };
    for (const [k, v] of Object.entries(env)) if (v === '') delete env[k];
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    const tail = (this.tail = new Tail());
    child.on('error', (err) => tail.push(`spawn/ipc error: ${err.message}`));
    child.stderr!.on('data', (d: Buffer) => tail.push(d.toString()));
    if (child.pid) this.hooks.track(child.pid);
    let up = false;
    return new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`${this.name} did not come up within ${READY_MS} ms: ${tail.errorText()}`));
      }, READY_MS);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        tail.push(line);
        if (!up && this.ready.test(line)) {
          up = true;
          clearTimeout(timer);
          ok();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const exit = signal ? `signal ${signal}` : `code ${code}`;
        if (!up) fail(new Error(`${this.name} exited (${exit}) before it was up: ${tail.errorText()}`));
        // stdout may still hold the last lines (the error): let them arrive first
        setTimeout(() => this.exited(child.pid ?? 0, exit, tail, up), 50);
      });
    });
  }

  protected async killNow(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGKILL');
    await gone;
  }

  protected async stopNow(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }

  /** Asks the probe for RSS and event-loop delay; undefined when the process does not answer. */
  sample(markAfter = false, gc = false): Promise<ProbeSample | undefined> {
    const child = this.child;
    if (!child || !this.running() || !child.connected) return Promise.resolve(undefined);
    const id = ++this.sampleId;
    return new Promise((ok) => {
      const timer = setTimeout(() => done(undefined), 5000);
      const onMessage = (m: ProbeSample) => {
        if (m?.probe === 'sample' && m.id === id) done(m);
      };
      const done = (s: ProbeSample | undefined) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        if (s && markAfter) child.send({ probe: 'mark' }, () => {});
        ok(s);
      };
      child.on('message', onMessage);
      child.send({ probe: 'sample', id, gc }, (err) => err && done(undefined));
    });
  }

  output(): string[] {
    return this.tail.all();
  }
}
