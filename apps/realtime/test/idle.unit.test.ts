import t from 'tap';
import { idleTimeout, type Idler } from '../src/idle.ts';
import { FakeClock } from './fake-clock.ts';

function conn(clock: FakeClock, subs = 0): Idler & { closedAt?: number } {
  const c = {
    dead: false,
    subs: new Map(Array.from({ length: subs }, (_, i) => [String(i), null])),
    idleSince: clock.now(),
    closedAt: undefined as number | undefined,
    closeIdle() {
      c.dead = true;
      c.closedAt = clock.now();
    },
  };
  return c;
}

t.test('a connection without subscriptions is closed once idle for the timeout, within a quarter of it', async (t) => {
  const clock = new FakeClock();
  const idle = conn(clock);
  const busy = conn(clock, 1);
  const stop = idleTimeout(1_000, clock, () => [idle, busy]);
  clock.advance(999);
  t.equal(idle.closedAt, undefined, 'not before the timeout');
  clock.advance(250);
  t.equal(idle.closedAt, 1_000, 'at the first check after it');
  clock.advance(10_000);
  t.equal(busy.closedAt, undefined, 'one with a subscription stays');
  stop();
  t.equal(clock.running, 0, 'stop() clears the timer');
});

t.test('idleness counts from the last unsubscribe', async (t) => {
  const clock = new FakeClock();
  const c = conn(clock, 1);
  idleTimeout(60_000, clock, () => [c]);
  clock.advance(100_000);
  (c.subs as Map<string, unknown>).clear();
  (c as { idleSince: number }).idleSince = clock.now();
  clock.advance(59_000);
  t.equal(c.closedAt, undefined);
  clock.advance(5_000);
  t.equal(c.closedAt, 160_000, 'checked every 5 s at most');
});
