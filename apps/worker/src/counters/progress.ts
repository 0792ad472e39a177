// Long work shows progress: a line with the count and the rate at most once per interval while it
// runs, and a summary line when it ends.
export class Progress {
  private count = 0;
  private readonly log: (line: string) => void;
  private readonly what: string;
  private readonly everyMs: number;
  private readonly now: () => number;
  private readonly started: number;
  private lastLine: number;

  /** `what` is what is counted, e.g. "events read" */
  constructor(log: (line: string) => void, what: string, opts: { everyMs?: number; now?: () => number } = {}) {
    this.log = log;
    this.what = what;
    this.everyMs = opts.everyMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.lastLine = this.started;
  }

  /** Counts `n` more; prints a line when the interval has passed since the last one. */
  add(n: number, detail = ''): void {
    this.count += n;
    const now = this.now();
    if (now - this.lastLine < this.everyMs) return;
    this.lastLine = now;
    this.log(`${this.what}: ${this.count} (${this.rate(now)}/s)${detail ? `, ${detail}` : ''}`);
  }

  /** Prints the summary and returns the count. */
  done(detail = ''): number {
    const now = this.now();
    this.log(`${this.what}: ${this.count} in ${now - this.started} ms (${this.rate(now)}/s)${detail ? `, ${detail}` : ''}`);
    return this.count;
  }

  private rate(now: number): number {
    return Math.round((this.count * 1000) / Math.max(now - this.started, 1));
  }
}
