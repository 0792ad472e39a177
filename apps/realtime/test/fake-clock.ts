// A clock the test moves: timers fire at their due times, in order, as time is advanced; nothing sleeps.
import type { Clock } from '../src/clock.ts';

interface Timer {
  ms: number;
  fn: () => void;
  next: number;
  live: boolean;
}

export class FakeClock implements Clock {
  private t = 0;
  private readonly timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { ms, fn, next: this.t + ms, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** timers still running */
  get running(): number {
    return this.timers.filter((x) => x.live).length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way at its own time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: Timer | undefined;
      for (const x of this.timers) if (x.live && x.next <= end && (!due || x.next < due.next)) due = x;
      if (!due) break;
      this.t = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.t = end;
  }
}
