import t from 'tap';
import { Heartbeat } from '../src/heartbeat.ts';
import { FakeClock } from './fake-clock.ts';

interface Peer {
  id: number;
  pings: number[];
  dropped?: number;
}

/** A heartbeat over `n` peers on a fake clock; `answer` decides whether (and how late) a peer answers each ping. */
function setup(n: number, periodMs: number, answer: (p: Peer) => number | undefined = () => 0) {
  const clock = new FakeClock();
  const peers = new Set<Peer>();
  const hb = new Heartbeat<Peer>({
    periodMs,
    clock,
    members: () => peers,
    has: (p) => peers.has(p),
    ping: (p) => {
      p.pings.push(clock.now());
      const late = answer(p);
      if (late === undefined) return;
      if (late === 0) hb.heard(p);
      else clock.every(late, once(() => hb.heard(p)));
    },
    drop: (p) => {
      p.dropped = clock.now();
      peers.delete(p);
    },
  });
  // a one-shot timer on a clock that only has repeating ones
  const once = (fn: () => void) => {
    let done = false;
    return () => {
      if (!done) fn();
      done = true;
    };
  };
  const join = (id: number): Peer => {
    const p: Peer = { id, pings: [] };
    peers.add(p);
    hb.heard(p);
    return p;
  };
  const all = Array.from({ length: n }, (_, i) => join(i));
  hb.start();
  return { clock, hb, peers, all, join };
}

t.test('few connections: one ping per period, not one per tick', async (t) => {
  const { clock, all } = setup(1, 30_000);
  clock.advance(90_000);
  t.same(all[0].pings, [100, 30_100, 60_100], 'a round starts no sooner than a period after the last');
});

t.test('a pong that takes longer than a tick is not a missed pong', async (t) => {
  const { clock, all } = setup(2, 1_000, () => 400);
  clock.advance(10_000);
  for (const p of all) {
    t.equal(p.dropped, undefined, `peer ${p.id} answering 400 ms late stays`);
    t.equal(p.pings.length, 10, `peer ${p.id} pinged once per period`);
  }
});

t.test('a peer that stops answering is dropped at its next ping, not before', async (t) => {
  let mute = false;
  const { clock, all, peers } = setup(2, 1_000, (p) => (mute && p.id === 1 ? undefined : 0));
  clock.advance(1_000);
  mute = true;
  clock.advance(1_000); // peer 1's ping at 1100 goes unanswered
  t.equal(all[1].dropped, undefined, 'still there after its unanswered ping');
  clock.advance(1_000);
  t.equal(all[1].dropped, 2_200, 'dropped when the next round reaches it');
  t.notOk(peers.has(all[1]));
  t.equal(all[0].dropped, undefined, 'the answering peer stays');
  t.equal(all[0].pings.length, 3);
});

t.test('a round is spread over the period, a slice per tick', async (t) => {
  const { clock, all } = setup(1_000, 1_000);
  const pinged = () => all.filter((p) => p.pings.length > 0).length;
  for (let tick = 1; tick <= 10; tick++) {
    clock.advance(100);
    t.equal(pinged(), tick * 100, `after tick ${tick}: ${tick * 100} pinged`);
  }
  clock.advance(1_000);
  t.ok(all.every((p) => p.pings.length === 2 && p.pings[1] - p.pings[0] === 1_000), 'each once per period, at the same place in the round');
  t.ok(all.every((p) => p.dropped === undefined), 'none dropped');
});

t.test('a peer that left mid-round is skipped; one that joined waits for the next round', async (t) => {
  const { clock, all, peers, join } = setup(20, 1_000);
  clock.advance(100); // the round starts: 2 of 20 pinged
  peers.delete(all[19]);
  const late = join(99);
  clock.advance(900);
  t.same(all[19].pings, [], 'gone before its slice: not pinged');
  t.equal(all[19].dropped, undefined, 'nor dropped');
  t.same(late.pings, [], 'not in the round that was under way');
  clock.advance(1_000);
  t.same(late.pings, [2_000], 'pinged in the next one, in its place at the end');
  t.equal(late.dropped, undefined, 'joining counts as answering');
});

t.test('stop() stops the pings', async (t) => {
  const { clock, hb, all } = setup(1, 1_000);
  clock.advance(1_000);
  hb.stop();
  t.equal(clock.running, 0, 'the timer is gone');
  clock.advance(5_000);
  t.equal(all[0].pings.length, 1);
});
