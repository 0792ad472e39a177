// One supervised process of the stack. A service knows whether its exit was asked for (a kill or
// a stop) or not: an exit nobody asked for, of a process that had come up, is a death, recorded
// with the error text from its last output lines, and the service is brought back. Start attempts
// that fail (a dependency still down) are retried with backoff and counted apart from deaths.
export type ServiceName = 'postgres' | 'redis' | 'api' | 'worker' | 'realtime';

export interface Death {
  service: ServiceName;
  /** ms since the run started */
  at: number;
  pid: number;
  exit: string;
  upMs: number;
  /** the error lines of its output, joined */
  error: string;
}

export interface ServiceHooks {
  log(line: string): void;
  /** ms since the run started */
  clock(): number;
  onDeath(d: Death): void;
  track(pid: number): void;
  release(pid: number): void;
}

/** Lines of output kept per process (the error text of a death comes from these). */
export class Tail {
  private lines: string[] = [];
  private readonly size: number;
  constructor(size = 80) {
    this.size = size;
  }
  push(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      this.lines.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
      if (this.lines.length > this.size) this.lines.shift();
    }
  }
  all(): string[] {
    return [...this.lines];
  }
  /** The lines that say what went wrong, or the last few lines when none does. */
  errorText(): string {
    const telling = this.lines.filter((l) => /Unhandled|uncaught|^\s*(\w+)?Error\b|Error: |Emitted '|FATAL|PANIC|"level":(50|60)/i.test(l) && !/^\s+at /.test(l));
    return (telling.length ? telling.slice(0, 6) : this.lines.slice(-4)).map((l) => l.trim()).join(' | ');
  }
}

export abstract class Service {
  kills = 0;
  restarts = 0;
  startFailures = 0;
  readonly deaths: Death[] = [];
  protected expectingExit = false;
  protected stopping = false;
  protected upSince = 0;
  private reviving: Promise<void> | undefined;
  private lastStartError = '';

  readonly name: ServiceName;
  protected readonly hooks: ServiceHooks;

  constructor(name: ServiceName, hooks: ServiceHooks) {
    this.name = name;
    this.hooks = hooks;
  }

  abstract pid(): number | undefined;
  abstract running(): boolean;
  /** one start attempt; resolves once the service is ready */
  protected abstract startOnce(): Promise<void>;
  /** SIGKILL; resolves once the process is gone */
  protected abstract killNow(): Promise<void>;
  /** graceful stop; resolves once the process is gone */
  protected abstract stopNow(): Promise<void>;
  /** the pids whose memory belongs to this service (Postgres: the postmaster and its children) */
  pids(): number[] {
    const p = this.pid();
    return p ? [p] : [];
  }

  async start(): Promise<void> {
    this.expectingExit = false;
    await this.startOnce();
    this.upSince = Date.now();
  }

  /** Starts, retrying with backoff until it is up (or the stack stops). */
  ensureRunning(): Promise<void> {
    this.reviving ??= (async () => {
      let wait = 200;
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          await this.start();
          if (attempt > 1) this.hooks.log(`${this.name}: up after ${attempt} attempts`);
          return;
        } catch (err) {
          this.startFailures++;
          const msg = (err as Error).message.split('\n')[0];
          if (msg !== this.lastStartError) this.hooks.log(`${this.name}: start attempt ${attempt} failed: ${msg}`);
          this.lastStartError = msg;
          await new Promise((ok) => setTimeout(ok, wait));
          wait = Math.min(wait * 2, 2000);
        }
      }
    })().finally(() => {
      this.reviving = undefined;
    });
    return this.reviving;
  }

  /** SIGKILL, then (after `downMs`) bring it back. */
  async killAndRestart(downMs: number): Promise<void> {
    this.kills++;
    this.expectingExit = true;
    await this.killNow();
    await new Promise((ok) => setTimeout(ok, downMs));
    this.restarts++;
    await this.ensureRunning();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.expectingExit = true;
    await this.reviving?.catch(() => {});
    if (this.running()) await this.stopNow();
  }

  /** Subclasses call this when their process exits. */
  protected exited(pid: number, exit: string, tail: Tail, wasUp: boolean): void {
    this.hooks.release(pid);
    // before it was up, the start attempt itself fails (and is retried); that is no death
    if (!wasUp || this.expectingExit || this.stopping) return;
    const death: Death = { service: this.name, at: this.hooks.clock(), pid, exit, upMs: Date.now() - this.upSince, error: tail.errorText() };
    this.deaths.push(death);
    this.hooks.onDeath(death);
    this.restarts++;
    void this.ensureRunning();
  }
}
