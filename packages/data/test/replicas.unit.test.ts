// The replica tracker's decisions (packages/data/src/replicas.ts), driven by observations and a
// clock the test holds.
import t from 'tap';
import { formatPosition, isLsn, parseLsn, parsePosition, readYourWrites, ReplicaTracker, requiredLsn } from '@parley/data';

t.test('LSNs parse into numbers that compare', async (t) => {
  t.equal(parseLsn('0/0'), 0n);
  t.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
  t.ok(parseLsn('1/0') > parseLsn('0/FFFFFFFF'), 'the high part counts first');
  t.ok(isLsn('0/1A2B') && !isLsn('x/1') && !isLsn('0/') && !isLsn('123456789/0'));
  t.throws(() => parseLsn('nope'), /not an LSN/);
});

t.test('a replica serves once it is known, caught up and answering', async (t) => {
  const r = new ReplicaTracker({ maxLagMs: 1000, staleMs: 3000 });
  t.notOk(r.usable('c0.r1', 0), 'unknown before its first check: the primary serves');
  r.primaryAt(100n, 0);
  r.replicaAt('c0.r1', 100n, 0);
  t.ok(r.usable('c0.r1', 10), 'caught up');
  t.equal(r.lagMs('c0.r1', 10), 0);
  t.same(r.status('c0.r1', 10).state, 'ok');
});

t.test('lag is the time since the primary first moved past the replica', async (t) => {
  const r = new ReplicaTracker({ maxLagMs: 1000, staleMs: 10_000 });
  r.primaryAt(100n, 0);
  r.replicaAt('a', 100n, 0);
  r.primaryAt(200n, 500);
  r.primaryAt(300n, 1000);
  r.replicaAt('a', 100n, 1200); // still at 100: behind since the primary reached 200 at 500
  t.equal(r.lagMs('a', 1200), 700);
  t.ok(r.usable('a', 1200), 'within the bound');
  t.equal(r.lagMs('a', 1600), 1100);
  t.notOk(r.usable('a', 1600), 'past the bound: out of rotation');
  t.equal(r.status('a', 1600).state, 'lagging');
  r.replicaAt('a', 300n, 1700);
  t.ok(r.usable('a', 1700), 'caught up again: back in rotation');
  r.primaryAt(300n, 5000);
  t.equal(r.lagMs('a', 9000), 0, 'an idle primary does not make a caught-up replica look behind');
});

t.test('read-your-writes: only a replica that replayed the LSN serves', async (t) => {
  const r = new ReplicaTracker({ maxLagMs: 1000, staleMs: 3000 });
  r.primaryAt(500n, 0);
  r.replicaAt('a', 400n, 0);
  r.replicaAt('b', 500n, 0);
  t.notOk(r.usable('a', 1, 450n), 'a has not replayed 450');
  t.ok(r.usable('b', 1, 450n), 'b has');
  t.ok(r.usable('a', 1, 400n), 'exactly at the LSN is enough');
  t.ok(r.usable('a', 1), 'without an LSN, a (within the bound) serves');
});

t.test('a replica that fails a check, or stops answering, leaves; a good check brings it back', async (t) => {
  const r = new ReplicaTracker({ maxLagMs: 1000, staleMs: 3000 });
  r.primaryAt(100n, 0);
  r.replicaAt('a', 100n, 0);
  r.replicaDown('a', 100);
  t.notOk(r.usable('a', 150), 'down');
  t.equal(r.status('a', 150).state, 'down');
  r.replicaAt('a', 100n, 400);
  t.ok(r.usable('a', 450), 'back');
  t.notOk(r.usable('a', 400 + 3001), 'no check heard for longer than staleMs: treated as down');
});

t.test("read-your-writes positions name their primary; a read needs only its own primary's", async (t) => {
  t.same(parsePosition('content.1:0/1A2B3C'), { alias: 'content.1', lsn: '0/1A2B3C' });
  t.equal(formatPosition({ alias: 'accounts', lsn: '2/FF' }), 'accounts:2/FF');
  for (const bad of ['0/1A2B3C', 'content:0/1', 'content.1:', 'shard.1:0/1', 'content.1:0/1;x', 'content.123456:0/1']) t.equal(parsePosition(bad), undefined, `refused: ${bad}`);
  t.equal(requiredLsn('content.1'), undefined, 'outside a request: nothing required');
  readYourWrites.run({ after: { alias: 'content.1', lsn: '0/100' } }, () => {
    t.equal(requiredLsn('content.1'), 0x100n, "the client's position, on its primary");
    t.equal(requiredLsn('content.0'), undefined, "another primary's reads ignore it");
    readYourWrites.getStore()!.committed = { alias: 'content.1', lsn: '0/200' };
    t.equal(requiredLsn('content.1'), 0x200n, "this request's own later write wins");
  });
});
