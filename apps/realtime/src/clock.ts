// Time, injectable: the heartbeat and the idle timeout read it, so their unit tests drive a fake
// clock instead of sleeping.

export interface Clock {
  /** milliseconds, monotonic */
  now(): number;
  /** calls `fn` every `ms` until the returned function is called; never keeps the process alive */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
