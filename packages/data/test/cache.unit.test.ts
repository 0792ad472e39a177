import t from 'tap';
import { MemoryCache } from '@parley/data';

const clock = () => {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

t.test('given more keys than maxEntries, the oldest set goes first', async (t) => {
  const cache = new MemoryCache<number>({ maxEntries: 3 });
  for (let i = 0; i < 5; i++) await cache.set(`k${i}`, i);
  t.equal(cache.size, 3);
  t.same([await cache.get('k0'), await cache.get('k1')], [undefined, undefined], 'the first two are gone');
  t.same([await cache.get('k2'), await cache.get('k3'), await cache.get('k4')], [2, 3, 4]);
});

t.test('setting a key again makes it the newest', async (t) => {
  const cache = new MemoryCache<number>({ maxEntries: 2 });
  await cache.set('a', 1);
  await cache.set('b', 2);
  await cache.set('a', 10);
  await cache.set('c', 3);
  t.same([await cache.get('a'), await cache.get('b'), await cache.get('c')], [10, undefined, 3], 'b was the oldest');
});

t.test('an entry lives for the default TTL, or the one set gives', async (t) => {
  const c = clock();
  const cache = new MemoryCache<string>({ ttlMs: 100, now: c.now });
  await cache.set('default', 'x');
  await cache.set('longer', 'y', 500);
  c.advance(99);
  t.equal(await cache.get('default'), 'x', 'alive just before its TTL');
  c.advance(1);
  t.equal(await cache.get('default'), undefined, 'gone at its TTL');
  t.equal(cache.size, 1, 'and no longer held');
  t.equal(await cache.get('longer'), 'y');
  c.advance(400);
  t.equal(await cache.get('longer'), undefined);
});

t.test('without a TTL an entry stays until evicted or deleted', async (t) => {
  const c = clock();
  const cache = new MemoryCache<string>({ now: c.now });
  await cache.set('k', 'v');
  c.advance(10 ** 12);
  t.equal(await cache.get('k'), 'v');
  await cache.delete('k');
  t.equal(await cache.get('k'), undefined);
  await cache.delete('never-set');
  t.equal(cache.size, 0);
});

t.test('a bound that holds nothing is refused', async (t) => {
  t.throws(() => new MemoryCache({ maxEntries: 0 }), RangeError);
  t.throws(() => new MemoryCache({ maxEntries: 1.5 }), RangeError);
});
