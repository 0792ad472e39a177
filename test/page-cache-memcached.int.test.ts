// Thread pages on a real memcached pool (three servers) shared by two API instances, as two
// processes share it: a cold, hot page read by 500 concurrent clients across both is rendered
// once (the lease is memcached `add`); a page one instance rendered is served by the other; a
// memcached server killed under load costs no failed request, and is used again after it returns.
import t from 'tap';
import { MemcachedPool } from '@parley/data';
import { pageKey } from '@parley/read';
import { testApi } from './harness/app.ts';
import { testMemcached } from './harness/memcached.ts';
import { countQueries } from './harness/query-count.ts';

const pageStatements = (statements: string[]) => statements.filter((s) => /: SELECT p\.id/.test(s)).length;

t.test('two API instances on one memcached pool: one render for 500 concurrent readers, and each serves what the other rendered', async (t) => {
  const servers = await testMemcached(t, 3);
  const pool = (): MemcachedPool => {
    // a generous timeout: this is about the lease across instances (timeouts and ejection are tested below)
    const p = new MemcachedPool(servers.map((s) => s.server), { timeoutMs: 2000, retryMs: 1000 });
    t.teardown(() => p.close());
    return p;
  };
  const a = await testApi(t, { cacheStaleMs: 60_000, cacheWaitMs: 2000 }, undefined, { cache: pool() });
  const b = await testApi(t, { cacheStaleMs: 60_000, cacheWaitMs: 2000 }, a.db, { cache: pool() });
  const { forum } = await a.forum();
  const thread = await a.thread(forum.slug);
  for (let i = 0; i < 20; i++) await a.post(thread.id, { message: `comment ${i}` });
  await a.app.publisher.flushed();

  const { statements } = await countQueries(a.db, async () => {
    const all = await Promise.all(Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).req('GET', `/v1/threads/${thread.id}/posts`)));
    t.ok(all.every((r) => r.status === 200 && r.body.posts.length === 20), 'every reader got the whole page');
    t.equal(new Set(all.map((r) => r.headers.etag)).size, 1, 'the same bytes from both instances');
  });
  t.equal(pageStatements(statements), 1, '500 readers over two instances: the page was queried once');

  const other = await a.thread(forum.slug);
  await a.post(other.id, { message: 'only here' });
  await a.req('GET', `/v1/threads/${other.id}/posts`);
  const fromB = await countQueries(a.db, () => b.req('GET', `/v1/threads/${other.id}/posts`));
  t.equal(pageStatements(fromB.statements), 0, 'a page one instance rendered, the other serves from memcached');
});

t.test('a memcached server killed under read load: no failed request; its pages are rendered again elsewhere; it serves again once back', async (t) => {
  const servers = await testMemcached(t, 3);
  const lines: string[] = [];
  const pool = new MemcachedPool(servers.map((s) => s.server), { timeoutMs: 100, retryMs: 1500, log: (l) => lines.push(l) });
  t.teardown(() => pool.close());
  const api = await testApi(t, { cacheStaleMs: 60_000 }, undefined, { cache: pool });
  const { forum } = await api.forum();
  const threads: { id: string }[] = [];
  for (let i = 0; i < 12; i++) {
    const th = await api.thread(forum.slug, `page-${i}`);
    await api.post(th.id, { message: `on page ${i}` });
    threads.push(th);
  }
  for (const th of threads) await api.req('GET', `/v1/threads/${th.id}/posts`);
  const victim = servers[0];
  let failed = 0;
  let served = 0;
  let slowest = 0;
  let stop = false;
  const readers = Array.from({ length: 8 }, async (_, r) => {
    for (let i = r; !stop; i++) {
      const started = Date.now();
      const res = await api.req('GET', `/v1/threads/${threads[i % threads.length].id}/posts`);
      slowest = Math.max(slowest, Date.now() - started);
      if (res.status === 200 && res.body.posts.length === 1) served++;
      else failed++;
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  await victim.kill();
  await new Promise((r) => setTimeout(r, 800));
  t.same(pool.ejectedServers, [victim.server], 'the dead server was ejected');
  await victim.start();
  await new Promise((r) => setTimeout(r, 1500));
  stop = true;
  await Promise.all(readers);
  t.equal(failed, 0, `no failed request (${served} served)`);
  t.ok(slowest < 1500, `the slowest read took ${slowest} ms (timeout 100 ms)`);
  t.same(pool.ejectedServers, [], 'after the retry timeout it is back in the ring');
  t.ok(lines.some((l) => l.includes(`${victim.server} back in the ring`)));
  const onVictim = threads.map((th) => th.id).filter((id) => pool.serverFor(pageKey({ threadId: id, sort: 'oldest', limit: api.config.pageSizeDefault })) === victim.server);
  t.ok(onVictim.length > 0, `${onVictim.length} of the pages live on it again`);
  await api.req('GET', `/v1/threads/${onVictim[0]}/posts`);
  const again = await countQueries(api.db, () => api.req('GET', `/v1/threads/${onVictim[0]}/posts`));
  t.equal(pageStatements(again.statements), 0, 'and it serves them from the cache again');
});
