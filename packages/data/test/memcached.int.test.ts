// The memcached pool against three real memcached servers: get, get_many, set, add (the lease);
// ketama placement (removing one server of three moves about a third of the keys, measured, and
// only those); a server killed mid-test is ejected after one failure, requests keep answering
// within the timeout, its keys go to the others, and after the retry timeout it serves again.
import t from 'tap';
import net from 'node:net';
import { MemcachedPool, MemoryByteCache } from '@parley/data';
import { testMemcached } from '../../../test/harness/memcached.ts';
import type { TapTest } from '../../../test/harness/db.ts';
import { until } from '../../../test/harness/until.ts';

t.test('get, get_many, set and add on a pool of three', async (t) => {
  const servers = await testMemcached(t, 3);
  const pool = new MemcachedPool(servers.map((s) => s.server));
  t.teardown(() => pool.close());
  t.equal(pool.kind, 'memcached (3 servers)');
  const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
  for (const k of keys) await pool.set(k, Buffer.from(`value of ${k}`), 60);
  t.same((await pool.get('k7'))?.toString(), 'value of k7');
  t.equal(await pool.get('missing'), undefined, 'a miss is undefined');
  const many = await pool.getMany([...keys, 'missing']);
  t.equal(many.size, 30, 'get_many finds every key, across the servers');
  t.same(many.get('k29')?.toString(), 'value of k29');
  t.equal(new Set(keys.map((k) => pool.serverFor(k))).size, 3, 'the keys spread over the three servers');
  t.equal(await pool.add('lease', Buffer.from('1'), 5), true, 'the first add takes the lease');
  t.equal(await pool.add('lease', Buffer.from('2'), 5), false, 'a second add finds it taken');
  await pool.delete('lease');
  t.equal(await pool.add('lease', Buffer.from('3'), 5), true, 'released, it can be taken again');
  await pool.delete('never-set');
  t.same(pool.ejectedServers, [], 'deleting a key that is not there is no failure of its server');
  const binary = Buffer.from([0, 1, 2, 255, 13, 10]);
  await pool.set('bytes', binary, 60);
  t.same(await pool.get('bytes'), binary, 'bytes come back as they went, CR LF and NUL included');
});

t.test('removing one server of three moves about a third of the keys, and only its keys', async (t) => {
  const servers = await testMemcached(t, 3);
  const all = new MemcachedPool(servers.map((s) => s.server));
  const two = new MemcachedPool(servers.slice(0, 2).map((s) => s.server));
  t.teardown(() => Promise.all([all.close(), two.close()]));
  const keys = Array.from({ length: 20_000 }, (_, i) => `thread:${i}:page`);
  const before = keys.map((k) => all.serverFor(k));
  const after = keys.map((k) => two.serverFor(k));
  const moved = keys.filter((_, i) => before[i] !== after[i]).length;
  const share = moved / keys.length;
  t.comment(`keys moved: ${moved} of ${keys.length} (${(share * 100).toFixed(1)} %; 1/n = 33.3 %)`);
  t.ok(share > 0.28 && share < 0.39, `about 1/3 moved (${(share * 100).toFixed(1)} %)`);
  t.equal(keys.filter((_, i) => before[i] !== after[i] && before[i] !== servers[2].server).length, 0, 'only the removed server\'s keys moved');
});

t.test('a killed server is ejected, its keys go to the others, and it serves again after the retry timeout', async (t) => {
  const servers = await testMemcached(t, 3);
  const lines: string[] = [];
  const pool = new MemcachedPool(servers.map((s) => s.server), { timeoutMs: 100, retryMs: 1500, log: (l) => lines.push(l) });
  t.teardown(() => pool.close());
  const victim = servers[1];
  const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
  const theirs = keys.filter((k) => pool.serverFor(k) === victim.server);
  t.ok(theirs.length > 50, `${theirs.length} keys live on the server to kill`);
  for (const k of keys) await pool.set(k, Buffer.from(k), 60);

  await victim.kill();
  const started = Date.now();
  t.equal(await pool.get(theirs[0]), undefined, 'the first read of a dead server misses, without an error');
  t.ok(Date.now() - started < 1000, `within the timeout (${Date.now() - started} ms)`);
  t.same(pool.ejectedServers, [victim.server], 'and ejects it');
  t.match(lines, [new RegExp(`memcached ${victim.server} ejected for 1500 ms`)]);
  const t0 = Date.now();
  for (const k of theirs) await pool.get(k);
  const each = (Date.now() - t0) / theirs.length;
  t.ok(each < 20, `later reads do not wait for it (${each.toFixed(1)} ms each)`);
  t.notOk(theirs.some((k) => pool.serverFor(k) === victim.server), 'its keys are placed on the other servers');
  for (const k of theirs) await pool.set(k, Buffer.from(`moved ${k}`), 60);
  t.same((await pool.get(theirs[0]))?.toString(), `moved ${theirs[0]}`, 'and are served there');
  const others = keys.filter((k) => !theirs.includes(k));
  t.same((await pool.getMany(others)).size, others.length, "the other servers' keys never moved");

  await victim.start();
  const ejectedAt = Date.now();
  await until('the retry timeout to bring it back', 10_000, async () => (pool.ejectedServers.length === 0 ? true : undefined), 20);
  t.ok(Date.now() - ejectedAt < 5000, 'after the retry timeout it is back in the ring');
  t.match(lines, [/ejected/, new RegExp(`memcached ${victim.server} back in the ring`)]);
  t.equal(pool.serverFor(theirs[0]), victim.server, 'its keys are placed on it again');
  await pool.set(theirs[0], Buffer.from('back'), 60);
  t.same((await pool.get(theirs[0]))?.toString(), 'back', 'and it serves them');
});

t.test('every server dead: reads miss, writes are dropped, a lease is granted, nothing throws or stalls', async (t) => {
  const servers = await testMemcached(t, 2);
  const pool = new MemcachedPool(servers.map((s) => s.server), { timeoutMs: 100, retryMs: 60_000 });
  t.teardown(() => pool.close());
  for (const s of servers) await s.kill();
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    t.equal(await pool.get(`k${i}`), undefined);
    await pool.set(`k${i}`, Buffer.from('x'), 60);
  }
  t.equal(await pool.add('lease', Buffer.from('1'), 5), true, 'with no cache to share, the caller recomputes');
  t.ok(Date.now() - started < 2000, `20 reads and writes in ${Date.now() - started} ms`);
});

t.test('the in-process cache: the same interface, bounded by bytes', async (t) => {
  let now = 1_000_000;
  const cache = new MemoryByteCache({ maxBytes: 1000, now: () => now });
  await cache.set('a', Buffer.alloc(400), 60);
  await cache.set('b', Buffer.alloc(400), 60);
  await cache.set('c', Buffer.alloc(400), 60);
  t.equal(await cache.get('a'), undefined, 'the oldest went to make room');
  t.ok(cache.size <= 1000, `${cache.size} bytes held`);
  t.same([...(await cache.getMany(['a', 'b', 'c'])).keys()], ['b', 'c']);
  t.equal(await cache.add('b', Buffer.from('x'), 60), false, 'add refuses a held key');
  t.equal(await cache.add('d', Buffer.from('x'), 1), true);
  now += 1001;
  t.equal(await cache.get('d'), undefined, 'an entry past its TTL is gone');
  t.equal(await cache.add('d', Buffer.from('y'), 1), true, 'and its key can be taken again');
  await cache.set('huge', Buffer.alloc(5000), 60);
  t.equal(await cache.get('huge'), undefined, 'a value larger than the whole cache is not kept');

  const lru = new MemoryByteCache({ maxBytes: 1000 });
  await lru.set('old', Buffer.alloc(300), 60);
  await lru.set('mid', Buffer.alloc(300), 60);
  await lru.set('new', Buffer.alloc(300), 60);
  t.ok(await lru.get('old'), 'the oldest entry is read');
  await lru.set('next', Buffer.alloc(300), 60);
  t.same([...(await lru.getMany(['old', 'mid', 'new', 'next'])).keys()], ['old', 'new', 'next'], 'least recently used goes first: the read kept the oldest, the unread one went');
});

/**
 * A TCP proxy in front of one memcached that holds back, by `slow.ms`, the server's answers that
 * arrive before `slow.until` (in order): the server did the command, the client hears of it late,
 * as a stalled event loop or a congested link would make it.
 */
async function slowProxy(t: TapTest, target: string): Promise<{ server: string; slowFor: (ms: number, windowMs: number) => void }> {
  const [host, port] = target.split(':');
  const slow = { ms: 0, until: 0 };
  const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    let queue: Promise<unknown> = Promise.resolve();
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      const held = Date.now() < slow.until ? slow.ms : 0;
      queue = queue.then(() => sleep(held)).then(() => client.destroyed || client.write(d));
    });
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => proxy.close(() => ok())));
  const slowFor = (ms: number, windowMs: number) => Object.assign(slow, { ms, until: Date.now() + windowMs });
  return { server: `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`, slowFor };
}

t.test('late answers: a burst of timeouts in one moment ejects nothing, a lease stored late is still its taker\'s', async (t) => {
  const [real] = await testMemcached(t, 1);
  const { server, slowFor } = await slowProxy(t, real.server);
  const lines: string[] = [];
  const pool = new MemcachedPool([server], { timeoutMs: 100, retryMs: 60_000, log: (l) => lines.push(l) });
  t.teardown(() => pool.close());
  await pool.set('warm', Buffer.from('x'), 60);
  const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

  slowFor(250, 50);
  const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.get(`burst${i}`)));
  t.same(burst, Array(10).fill(undefined), 'ten reads in flight at once all time out: misses');
  t.same(pool.ejectedServers, [], 'but the server is not ejected: the ten timed out within one timeout period');
  await pause(300);

  slowFor(150, 50);
  const taken = await pool.add('lease', Buffer.from('lease-of-a'), 5);
  t.equal(taken, true, 'an add whose answer came too late but that stored: read back, the lease is this caller\'s');
  await pause(200);
  t.equal(await pool.add('lease', Buffer.from('lease-of-b'), 5), false, 'and nobody else\'s');
  slowFor(150, 50);
  t.equal(await pool.add('lease', Buffer.from('lease-of-c'), 5), false, 'an add that timed out against someone else\'s lease: not taken');
  await pause(200);
  t.same(pool.ejectedServers, [], 'still in the ring');

  slowFor(1000, 5000);
  for (let i = 0; i < 5 && pool.ejectedServers.length === 0; i++) await pool.get(`slow${i}`);
  t.same(pool.ejectedServers, [server], 'timeouts in a row over more than one period: ejected');
  t.match(lines.join('\n'), /ejected for 60000 ms: .*timeout/i);
});

/** memcached's own counter of keys asked for (`stats`: cmd_get) */
function cmdGets(server: string): Promise<number> {
  const [host, port] = server.split(':');
  return new Promise((ok, fail) => {
    const sock = net.connect(Number(port), host, () => sock.write('stats\r\n'));
    let text = '';
    sock.on('data', (d) => {
      text += d.toString();
      if (!text.includes('END\r\n')) return;
      sock.destroy();
      ok(Number(/STAT cmd_get (\d+)/.exec(text)![1]));
    });
    sock.on('error', fail);
  });
}

t.test('the gets of one turn go out together: a key asked for by 100 requests at once is asked for once', async (t) => {
  const [one] = await testMemcached(t, 1);
  const pool = new MemcachedPool([one.server]);
  t.teardown(() => pool.close());
  await pool.set('hot', Buffer.from('the page'), 60);
  await pool.set('other', Buffer.from('another page'), 60);
  const before = await cmdGets(one.server);
  const answers = await Promise.all([...Array.from({ length: 100 }, () => pool.get('hot')), pool.get('other'), pool.get('missing')]);
  t.equal(await cmdGets(one.server) - before, 3, 'three keys asked for, once each');
  t.same(answers.slice(0, 100).map((b) => b?.toString()), Array(100).fill('the page'), 'every request got the page');
  t.ok(answers.slice(0, 100).every((b) => b === answers[0]), 'the same Buffer: decoded once by the page cache');
  t.same([answers[100]?.toString(), answers[101]], ['another page', undefined]);
  await pool.set('hot', Buffer.from('changed'), 60);
  t.same((await pool.get('hot'))?.toString(), 'changed', 'a get after a set sees it');
});
