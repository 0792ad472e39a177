// An id has exactly one spelling ("12": no sign, zeros, spaces, fraction, exponent, other digits).
// On every route that takes an id (path, query, body, cursor), every other spelling of a real id
// is a 400 or a 404 and touches nothing: the same rows before and after.
import t from 'tap';
import { testApi } from '../../../test/harness/app.ts';

/** Spellings that a lenient parser (Number, BigInt after trim, Postgres ::bigint) reads as `id`. */
export function badSpellings(id: string): { raw: string; url: string }[] {
  const raw = [`0${id}`, `00${id}`, `+${id}`, ` ${id}`, `${id} `, `\t${id}`, `${id}\n`, `${id}.0`, `${id}.`, `${id}e0`, `0x${BigInt(id).toString(16)}`,
    `${id}_`, [...id].map((d) => String.fromCharCode(0xff10 + Number(d))).join('')];
  return raw.map((r) => ({ raw: r, url: encodeURIComponent(r) }));
}

t.test('every other spelling of a real id is refused on every route, and nothing changes', async (t) => {
  const api = await testApi(t, { webhookAllowPrivate: true });
  const { forum, moderatorKey } = await api.forum('ids');
  const thread = await api.thread(forum.slug, 'page');
  const { post, editToken } = await api.post(thread.id, { message: 'first' });
  await api.post(thread.id, { message: 'second' });
  const hook = await api.req('POST', `/v1/forums/${forum.slug}/webhooks`, { token: moderatorKey, body: { url: 'http://127.0.0.1:9/in' } });
  t.equal(hook.status, 201, 'a webhook to delete');
  const hookId: string = hook.body.webhook.id;
  const event = await api.db.exec({ ...(await api.content({ postId: post.id })), mode: 'read' }, "SELECT id::text FROM events WHERE type = 'PostCreated' ORDER BY id LIMIT 1");
  const eventId: string = event.rows[0].id;
  const state = async () => {
    // every database of the layout (one, or accounts and two content shards)
    const q = (sql: string) => api.everywhere(sql);
    return {
      posts: await q('SELECT id, status, score, revision, message FROM posts ORDER BY id'),
      votes: await q('SELECT post_id, voter, value FROM votes ORDER BY post_id, voter'),
      webhooks: await q('SELECT id FROM webhooks ORDER BY id'),
      events: await q('SELECT id, type FROM events ORDER BY id'),
      threads: await q('SELECT id, post_count, last_seq FROM threads ORDER BY id'),
    };
  };
  const before = await state();
  const voter = { 'x-parley-voter': 'voter-key-0000000001' };
  const guest = { name: 'Ann', email: 'ann@example.com' };
  const W = `/v1/forums/${forum.slug}/webhooks`;
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  type Route = [name: string, make: (s: { raw: string; url: string }) => [method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> }]];
  const routes: Route[] = [
    ['GET thread', (s) => ['GET', `/v1/threads/${s.url}`, {}]],
    ['GET posts', (s) => ['GET', `/v1/threads/${s.url}/posts`, {}]],
    ['GET posts cursor', (s) => ['GET', `/v1/threads/${thread.id}/posts?cursor=${enc({ s: 'oldest', p: [s.raw] })}`, {}]],
    ['GET events', (s) => ['GET', `/v1/threads/${s.url}/events`, {}]],
    ['POST post', (s) => ['POST', `/v1/threads/${s.url}/posts`, { body: { message: 'hi', author: guest } }]],
    ['POST reply parentId', (s) => ['POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'hi', author: guest, parentId: s.raw } }]],
    ['PATCH post', (s) => ['PATCH', `/v1/posts/${s.url}`, { token: editToken, body: { message: 'changed' } }]],
    ...(['approve', 'spam', 'delete', 'restore'] as const).map((a): Route => [`POST ${a}`, (s) => ['POST', `/v1/posts/${s.url}/${a}`, { token: moderatorKey }]]),
    ['POST delete by author', (s) => ['POST', `/v1/posts/${s.url}/delete`, { token: editToken }]],
    ['PUT vote', (s) => ['PUT', `/v1/posts/${s.url}/vote`, { headers: voter, body: { value: 1 } }]],
    ['DELETE webhook', (s) => ['DELETE', `${W}/${s.url}`, { token: moderatorKey }]],
    ['GET deliveries', (s) => ['GET', `${W}/${s.url}/deliveries`, { token: moderatorKey }]],
    ['POST replay webhook id', (s) => ['POST', `${W}/${s.url}/replay`, { token: moderatorKey, body: { eventId } }]],
    ['POST replay eventId', (s) => ['POST', `${W}/${hookId}/replay`, { token: moderatorKey, body: { eventId: s.raw } }]],
  ];
  const ids: Record<string, string> = { 'GET posts cursor': post.id, 'POST reply parentId': post.id, 'POST replay eventId': eventId };
  for (const [name, make] of routes) {
    const id = ids[name] ?? (/webhook|deliveries/.test(name) ? hookId : /thread|posts|events|POST post/.test(name) ? thread.id : post.id);
    const answers: string[] = [];
    for (const s of badSpellings(id)) {
      const [method, path, opts] = make(s);
      const r = await api.req(method, path, opts);
      if (r.status !== 400 && r.status !== 404) answers.push(`${JSON.stringify(s.raw)} -> ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
    }
    t.same(answers, [], `${name}: every other spelling of ${id} is a 400 or a 404`);
  }
  t.same(await state(), before, 'nothing was touched');
  const real = await api.req('DELETE', `${W}/${hookId}`, { token: moderatorKey });
  t.equal(real.status, 204, 'the one spelling deletes the webhook');
});

t.test('a sequence number or limit in a query string has one spelling too', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum('seqs');
  const thread = await api.thread(forum.slug, 'page');
  await api.post(thread.id);
  await api.post(thread.id);
  const E = `/v1/threads/${thread.id}/events`;
  const P = `/v1/threads/${thread.id}/posts`;
  t.same((await api.req('GET', `${E}?after=1`)).body.events.map((e: { seq: number }) => e.seq), [2, 3], 'after=1 is the one spelling');
  for (const bad of ['01', '+1', '1.0', '1e0', '%201', '1%20', '0x1', '-0', '1.', '%EF%BC%91']) {
    for (const path of [`${E}?after=${bad}`, `${E}?limit=${bad}`, `${P}?limit=${bad}`]) {
      const r = await api.req('GET', path);
      t.same([r.status, r.body.error?.code], [400, 'invalid_field'], `${path.split('?')[1]} is refused`);
    }
  }
});
