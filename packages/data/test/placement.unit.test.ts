// Placing new forums on shards (packages/data/src/placement.ts): stable, spread, and a new shard
// takes only the slugs that now prefer it.
import t from 'tap';
import { placeForum } from '@parley/data';

const slugs = Array.from({ length: 3000 }, (_, i) => `site-${i}`);

t.test('the same slug lands on the same shard, whatever the order of the shard list', async (t) => {
  for (const slug of slugs.slice(0, 50)) t.equal(placeForum(slug, [0, 1, 2]), placeForum(slug, [2, 0, 1]), slug);
  t.equal(placeForum('anything', [0]), 0, 'one shard: always it');
  t.throws(() => placeForum('x', []), /no content shard/);
});

t.test('forums spread evenly over the shards', async (t) => {
  const counts = [0, 0, 0];
  for (const slug of slugs) counts[placeForum(slug, [0, 1, 2])]++;
  for (const [shard, n] of counts.entries()) t.ok(n > 850 && n < 1150, `shard ${shard}: ${n} of 3000`);
});

t.test('adding a shard moves only the slugs that now prefer it', async (t) => {
  let moved = 0;
  for (const slug of slugs) {
    const before = placeForum(slug, [0, 1, 2]);
    const after = placeForum(slug, [0, 1, 2, 3]);
    if (after !== before) {
      moved++;
      if (after !== 3) t.fail(`${slug} moved from ${before} to ${after}, not to the new shard`);
    }
  }
  t.ok(moved > 600 && moved < 900, `about a quarter moved, all to the new shard: ${moved} of 3000`);
});
