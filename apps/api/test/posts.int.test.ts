import t from 'tap';
import { testApi, type TestApi } from '../../../test/harness/app.ts';

async function walk(api: TestApi, threadId: string, query: string, token?: string, onPage?: (n: number) => Promise<void>): Promise<any[]> {
  const seen: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r: any = await api.req('GET', `/v1/threads/${threadId}/posts?${query}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    seen.push(...r.body.posts);
    cursor = r.body.nextCursor;
    pages++;
    if (onPage) await onPage(pages);
  } while (cursor && pages < 1000);
  return seen;
}

t.test('replies sit under their parent, in reading order', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const a = (await api.post(thread.id, { message: 'A' })).post;
  const b = (await api.post(thread.id, { message: 'B' })).post;
  const a1 = (await api.post(thread.id, { message: 'A1', parentId: a.id })).post;
  const b1 = (await api.post(thread.id, { message: 'B1', parentId: b.id })).post;
  const a2 = (await api.post(thread.id, { message: 'A2', parentId: a.id })).post;
  const a1x = (await api.post(thread.id, { message: 'A1x', parentId: a1.id })).post;
  const oldest = await walk(api, thread.id, 'sort=oldest');
  t.same(oldest.map((p) => p.id), [a.id, a1.id, a1x.id, a2.id, b.id, b1.id]);
  t.same(oldest.map((p) => p.depth), [0, 1, 2, 1, 0, 1]);
  t.same(oldest.map((p) => p.parentId), [null, a.id, a1.id, a.id, null, b.id]);
  const newest = await walk(api, thread.id, 'sort=newest');
  t.same(newest.map((p) => p.id), [b.id, b1.id, a.id, a1.id, a1x.id, a2.id], 'newest roots first, each with its replies');
  const p = oldest[0];
  t.same(Object.keys(p).sort(), ['author', 'createdAt', 'depth', 'editedAt', 'html', 'id', 'parentId', 'replyCount', 'revision', 'score', 'status'].sort());
  t.same(p.author, { name: 'Guest' });
  t.equal(p.html, '<p>A</p>');
});

t.test('top sorts roots by score, replies stay under them', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const a = (await api.post(thread.id, { message: 'A' })).post;
  const b = (await api.post(thread.id, { message: 'B' })).post;
  const c = (await api.post(thread.id, { message: 'C' })).post;
  const b1 = (await api.post(thread.id, { message: 'B1', parentId: b.id })).post;
  for (const key of ['voter-one-00000000', 'voter-two-00000000']) {
    t.equal((await api.req('PUT', `/v1/posts/${b.id}/vote`, { headers: { 'x-parley-voter': key }, body: { value: 1 } })).status, 200);
  }
  await api.req('PUT', `/v1/posts/${a.id}/vote`, { headers: { 'x-parley-voter': 'voter-one-00000000' }, body: { value: -1 } });
  const top = await walk(api, thread.id, 'sort=top&limit=1');
  t.same(top.map((p) => p.id), [b.id, b1.id, c.id, a.id]);
  t.same(top.map((p) => p.score), [2, 0, 0, -1]);
});

t.test('keyset pages: every post exactly once, even while new posts arrive', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const roots: string[] = [];
  const original: string[] = [];
  for (let i = 0; i < 60; i++) {
    const parentId = i % 3 === 2 ? roots[roots.length - 1] : undefined;
    const { post } = await api.post(thread.id, { message: `m${i}`, ...(parentId ? { parentId } : {}) });
    if (!parentId) roots.push(post.id);
    original.push(post.id);
  }
  for (const sort of ['oldest', 'newest', 'top']) {
    let added = 0;
    const seen = await walk(api, thread.id, `sort=${sort}&limit=7`, undefined, async () => {
      // new top-level posts and replies to early posts land while we page
      await api.post(thread.id, { message: `late ${sort} ${added++}` });
      await api.post(thread.id, { message: `late reply ${sort} ${added}`, parentId: roots[0] });
    });
    const ids = seen.map((p) => p.id);
    t.equal(new Set(ids).size, ids.length, `${sort}: no post twice`);
    t.same(original.filter((id) => !ids.includes(id)), [], `${sort}: every post that existed before paging began was seen`);
  }
});

t.test('default page size is 50, max 100, nextCursor null on the last page', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  for (let i = 0; i < 120; i++) await api.post(thread.id, { message: `n${i}` });
  const first = await api.req('GET', `/v1/threads/${thread.id}/posts`);
  t.equal(first.body.posts.length, 50);
  t.type(first.body.nextCursor, 'string');
  const big = await api.req('GET', `/v1/threads/${thread.id}/posts?limit=100`);
  t.equal(big.body.posts.length, 100);
  const last = await api.req('GET', `/v1/threads/${thread.id}/posts?limit=100&cursor=${big.body.nextCursor}`);
  t.equal(last.body.posts.length, 20);
  t.equal(last.body.nextCursor, null);
});

t.test('replies past the max depth attach to the deepest allowed ancestor', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum(undefined, { maxDepth: 2 });
  const thread = await api.thread(forum.slug);
  const d0 = (await api.post(thread.id, { message: 'd0' })).post;
  const d1 = (await api.post(thread.id, { message: 'd1', parentId: d0.id })).post;
  const d2 = (await api.post(thread.id, { message: 'd2', parentId: d1.id })).post;
  const d3 = (await api.post(thread.id, { message: 'd3', parentId: d2.id })).post;
  t.same([d0.depth, d1.depth, d2.depth, d3.depth], [0, 1, 2, 2]);
  t.equal(d3.parentId, d1.id, 'a reply to a post at max depth becomes its sibling');
  const list = await walk(api, thread.id, 'sort=oldest');
  t.same(list.map((p) => p.id), [d0.id, d1.id, d2.id, d3.id], 'and reads right after it');
});

t.test('the public sees approved posts and tombstones; moderators see all', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const thread = await api.thread(forum.slug);
  const approved = (await api.post(thread.id, { message: 'kept' })).post;
  await api.req('POST', `/v1/posts/${approved.id}/approve`, { token: moderatorKey });
  const pending = (await api.post(thread.id, { message: 'waiting' })).post;
  t.equal(pending.status, 'pending', 'pre-moderation holds new posts');
  const byMod = (await api.post(thread.id, { message: 'from the moderator', author: { name: 'Mod', email: 'mod@example.com' } }, moderatorKey)).post;
  t.equal(byMod.status, 'approved', "a moderator's own post is published at once");
  const parent = (await api.post(thread.id, { message: 'to be deleted' })).post;
  await api.req('POST', `/v1/posts/${parent.id}/approve`, { token: moderatorKey });
  const child = (await api.post(thread.id, { message: 'reply', parentId: parent.id })).post;
  await api.req('POST', `/v1/posts/${child.id}/approve`, { token: moderatorKey });
  const lonely = (await api.post(thread.id, { message: 'deleted, no replies' })).post;
  await api.req('POST', `/v1/posts/${lonely.id}/approve`, { token: moderatorKey });
  t.equal((await api.req('POST', `/v1/posts/${parent.id}/delete`, { token: moderatorKey })).status, 200);
  t.equal((await api.req('POST', `/v1/posts/${lonely.id}/delete`, { token: moderatorKey })).status, 200);
  const spam = (await api.post(thread.id, { message: 'buy now' })).post;
  await api.req('POST', `/v1/posts/${spam.id}/spam`, { token: moderatorKey });

  const pub = await walk(api, thread.id, 'sort=oldest');
  t.same(pub.map((p) => p.id), [approved.id, byMod.id, parent.id, child.id]);
  const tomb = pub.find((p) => p.id === parent.id);
  t.same({ status: tomb.status, html: tomb.html, author: tomb.author, tombstone: tomb.tombstone }, { status: 'deleted', html: '', author: null, tombstone: true });
  t.notOk(JSON.stringify(pub).includes('to be deleted'), 'no trace of the deleted text');
  const mod = await walk(api, thread.id, 'sort=oldest', moderatorKey);
  t.same(mod.map((p) => p.id), [approved.id, pending.id, byMod.id, parent.id, child.id, lonely.id, spam.id]);
  t.same(mod.map((p) => p.status), ['approved', 'pending', 'approved', 'deleted', 'approved', 'deleted', 'spam']);
  const otherKey = (await api.forum()).moderatorKey;
  const asOther = await walk(api, thread.id, 'sort=oldest', otherKey);
  t.same(asOther.map((p) => p.id), pub.map((p) => p.id), "another forum's key sees only what the public sees");
});

t.test('comment HTML is rendered and sanitized on the server', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const { post } = await api.post(thread.id, { message: '**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> https://example.com' });
  t.notMatch(post.html, /<script|<img|<[a-z]+[^>]*\son\w+=|href="javascript:/i, 'no live script, image or handler');
  t.match(post.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the text is kept, escaped');
  t.match(post.html, /<strong>bold<\/strong>/);
  t.match(post.html, /<a href="https:\/\/example.com" rel="nofollow ugc noopener noreferrer" target="_blank">/);
});
