// Text Postgres cannot store (NUL, lone surrogates) is refused at the edge with invalid_text and
// the field's name, on every string that reaches the database, and nothing is written. Indexed
// text at its longest (in bytes) is stored, not refused by a btree row limit.
import t from 'tap';
import { ADMIN_TOKEN, testApi } from '../../../test/harness/app.ts';

const eventCount = async (api: Awaited<ReturnType<typeof testApi>>): Promise<number> =>
  (await api.everywhere('SELECT count(*)::int AS n FROM events')).reduce((n, r) => n + Number(r.n), 0);

t.test('a NUL or a lone surrogate in any stored string is a 400 invalid_text naming the field, and writes nothing', async (t) => {
  const api = await testApi(t);
  const { forum, moderatorKey } = await api.forum('stored-text');
  const thread = await api.thread(forum.slug, 'page');
  const { post, editToken } = await api.post(thread.id);
  const user = await api.req('POST', '/v1/users', { body: { username: 'textuser', email: 'text@example.com', password: 'correct horse' } });
  t.equal(user.status, 201);
  const guest = { name: 'Ann', email: 'ann@example.com' };
  const T = `/v1/threads/${thread.id}/posts`;
  for (const [bad, problem] of [['a\u0000b', 'nul'], ['a\ud800b', 'lone_surrogate'], ['\udfffa', 'lone_surrogate']] as const) {
    type Case = [method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> }, field: string];
    const cases: Case[] = [
      ['POST', '/v1/forums', { token: ADMIN_TOKEN, body: { slug: 'nul-forum', name: bad } }, 'body.name'],
      ['PATCH', `/v1/forums/${forum.slug}`, { token: moderatorKey, body: { name: bad } }, 'body.name'],
      ['POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier: bad } }, 'body.identifier'],
      ['POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier: 'fine', title: bad } }, 'body.title'],
      ['POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier: 'fine', url: `https://example.com/${bad}` } }, 'body.url'],
      ['POST', '/v1/counts', { body: { forum: forum.slug, identifiers: ['ok', bad] } }, 'body.identifiers.1'],
      ['POST', T, { body: { message: bad, author: guest } }, 'body.message'],
      ['POST', T, { body: { message: 'hi', author: { name: bad, email: 'ann@example.com' } } }, 'body.author.name'],
      ['POST', T, { body: { message: 'hi', author: { name: 'Ann', email: `ann${bad}@example.com` } } }, 'body.author.email'],
      ['PATCH', `/v1/posts/${post.id}`, { token: editToken, body: { message: bad } }, 'body.message'],
      ['POST', '/v1/users', { body: { username: `u${bad}`, email: 'u@example.com', password: 'correct horse' } }, 'body.username'],
      ['POST', '/v1/users', { body: { username: 'someone', email: `u${bad}@example.com`, password: 'correct horse' } }, 'body.email'],
      ['POST', '/v1/sessions', { body: { username: bad, password: 'correct horse' } }, 'body.username'],
      ['POST', '/v1/sessions', { body: { username: 'textuser', password: `pw${bad}xxxxxxxx` } }, 'body.password'],
      ['POST', '/v1/counts', { body: { forum: forum.slug, identifiers: [], [bad]: 1 } }, 'body key'],
    ];
    // URLs and headers are bytes: only a NUL (%00, or a raw 0x00 in a header) can be spelled there.
    if (problem === 'nul') {
      cases.push(
        ['GET', `/v1/forums/a%00b`, {}, 'params.slug'],
        ['GET', `${T}?sort=a%00b`, {}, 'querystring.sort'],
        ['GET', `/v1/unsubscribe?token=a%00b`, {}, 'querystring.token'],
        ['PUT', `/v1/posts/${post.id}/vote`, { body: { value: 1 }, headers: { 'x-parley-voter': `voter-key-00000${bad}` } }, 'headers.x-parley-voter'],
        ['GET', `/v1/threads/${thread.id}`, { token: `put_${bad}` }, 'headers.authorization'],
        ['POST', T, { body: { message: 'hi', author: guest }, headers: { origin: `https://a${bad}.example` } }, 'headers.origin'],
      );
    }
    const before = await eventCount(api);
    for (const [method, path, opts, field] of cases) {
      const r = await api.req(method, path, opts);
      t.same([r.status, r.body.error?.code, r.body.error?.details], [400, 'invalid_text', { field, problem }], `${problem}: ${method} ${path.slice(0, 60)} ${field}`);
    }
    t.equal(await eventCount(api), before, `${problem}: nothing was written`);
  }
  const forums = await api.db.exec({ area: 'forums', mode: 'read' }, 'SELECT count(*)::int AS n FROM forums');
  t.equal(forums.rows[0].n, 1, 'no forum was created');
});

t.test('indexed text at its longest in bytes is stored and found again', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum('long-text');
  // threads_forum_identifier_key is a btree: a row of at most ~2700 bytes. 200 four-byte characters is 800.
  const identifier = '😀'.repeat(200);
  const made = await api.req('POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier, title: '𝄞'.repeat(300) } });
  t.same([made.status, made.body.thread?.identifier], [201, identifier]);
  const again = await api.req('POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier } });
  t.same([again.status, again.body.thread?.id], [200, made.body.thread.id], 'found by the same identifier');
  const counts = await api.req('POST', '/v1/counts', { body: { forum: forum.slug, identifiers: [identifier] } });
  t.same(counts.body.counts, { [identifier]: 0 });
  const longer = await api.req('POST', `/v1/forums/${forum.slug}/threads`, { body: { identifier: '😀'.repeat(201) } });
  t.same([longer.status, longer.body.error?.code], [400, 'invalid_field'], '201 characters is refused');
  // email_log_recipient_at_idx and email_optouts' key hold addresses: 254 characters, at most 3 bytes each in UTF-16 (762 bytes)
  const email = `${'é'.repeat(60)}@${'ü'.repeat(180)}.example`;
  const user = await api.req('POST', '/v1/users', { body: { username: 'longmail', email, password: 'correct horse' } });
  t.equal(user.status, 201, `an email of ${Buffer.byteLength(email)} bytes is stored`);
});
